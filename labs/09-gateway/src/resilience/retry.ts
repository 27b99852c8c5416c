import type { RetryBudgetConfig } from "../config/schema.ts";
import { todo } from "@distlab/kit/service";

/**
 * Retries (README, step 5): which requests may be sent twice, which failures are worth another attempt,
 * and how many retries an upstream can take. Retrying is how a gateway hides a dead instance from its
 * clients — and how it turns an overloaded service into a dead one, unless a budget bounds it.
 */

/** What went wrong with one attempt. */
export type AttemptFailure =
  /** The connection was never made (refused, connect timeout): the upstream never saw the request. */
  | { kind: "not-sent" }
  /** The request may have reached the upstream: reset, connection closed, no answer. */
  | { kind: "lost" }
  /** The upstream answered with this status. */
  | { kind: "status"; status: number };

/**
 * Whether doing the request twice has the effect of doing it once: a safe method (GET, HEAD, OPTIONS),
 * or any request that carries an Idempotency-Key (the upstream deduplicates it, as Lab 02's Payment does).
 */
export function isIdempotent(method: string, idempotencyKey: string | string[] | undefined): boolean {
  return todo("TODO(lab09 §5): safe methods, or a request with an Idempotency-Key — see labs/09-gateway/README.md, step 5");
}

/**
 * Whether another attempt may fix this failure and cannot do harm. A request that was never sent may
 * always go to another instance. One that may have arrived is retried only when it is idempotent, and
 * only after a loss or a 502/503/504 — never after another status, which the upstream meant.
 */
export function isRetriable(failure: AttemptFailure, idempotent: boolean): boolean {
  return todo("TODO(lab09 §5): not sent: always; lost or 502/503/504: only idempotent requests — see labs/09-gateway/README.md, step 5");
}

/**
 * A retry budget per upstream: every request deposits `ratio` of a token, every retry spends a whole one,
 * and there are at most `burst` tokens (at least one). Sustained, retries add at most `ratio` to the load;
 * when everything fails, the gateway stops multiplying it.
 */
export class RetryBudget {
  private tokens: number;
  private readonly cap: number;

  constructor(private readonly config: RetryBudgetConfig) {
    this.cap = Math.max(1, config.burst);
    this.tokens = config.burst;
  }

  get available(): number {
    return this.tokens;
  }

  /** A request (not a retry) arrived for this upstream. */
  onRequest(): void {
    return todo("TODO(lab09 §5): each request earns a fraction of a token, up to the cap — see labs/09-gateway/README.md, step 5");
  }

  /** Takes a token for one retry; false when the budget is spent. */
  tryRetry(): boolean {
    return todo("TODO(lab09 §5): a retry spends one whole token, if there is one — see labs/09-gateway/README.md, step 5");
  }
}
