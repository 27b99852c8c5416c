import { HttpProblem } from "@distlab/kit/service";
import { setTimeout as sleep } from "node:timers/promises";
import { neverSent, noAnswer, UnavailableAnswer } from "@distlab/kit/shop";
import { todo } from "@distlab/kit/service";

/**
 * The resilient call: every remote call in this lab (PetStore → Payment, both services → KV) goes through
 * `callWithRetry`. It bounds each attempt and the whole call with deadlines, retries only failures that are
 * safe to retry, waits between attempts with exponential backoff and full jitter, and spends a retry
 * budget shared by every call to the same service, so a struggling service is not buried under retries.
 */

export interface RetryPolicy {
  /** The most attempts one call makes, the first included. */
  maxAttempts: number;
  /** Each attempt is aborted after this long. */
  attemptTimeoutMs: number;
  /** The whole call (attempts and waits) ends after this long, whatever is left to try. */
  deadlineMs: number;
  /** Backoff: the wait before retry n is uniform in [0, min(maxDelayMs, baseDelayMs × 2^n)]. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Shared by every call to one service. */
  budget: RetryBudget;
  /** Uniform in [0, 1); tests of the policy pass a seeded one. */
  random?: () => number;
}

export interface CallOptions {
  /** Whether doing the operation twice has the same effect as once (a read, a keyed charge, a CAS write). */
  idempotent: boolean;
  /** The caller's own cancellation (e.g. its request's deadline). */
  signal?: AbortSignal;
}

/**
 * The call gave up: every attempt failed in a way worth retrying, and time, attempts or budget ran out.
 * Thrown out of a route handler it answers 503 with a Retry-After header: never a hung request, never a 500.
 */
export class Unavailable extends HttpProblem {
  constructor(
    message: string,
    readonly attempts: number,
    /** A hint for the caller's caller, sent back as Retry-After. */
    readonly retryAfterSeconds: number,
    readonly lastFailure?: unknown,
  ) {
    super(503, message, { headers: { "retry-after": String(retryAfterSeconds) } });
  }
}

/**
 * A token bucket of retries. Every retry withdraws one token; every success deposits `depositPerSuccess`.
 * With the defaults a client may burst 10 retries, then gets one retry per 10 successes: when most calls
 * fail, retries stop adding load to a service that is already failing.
 */
export class RetryBudget {
  private tokens: number;

  constructor(
    readonly maxTokens = 10,
    readonly depositPerSuccess = 0.1,
  ) {
    this.tokens = maxTokens;
  }

  get available(): number {
    return this.tokens;
  }

  onSuccess(): void {
    return todo("TODO(lab02 §1): a success puts a fraction of a token back, never above the maximum — see labs/02-rpc/README.md, step 1");
  }

  /** Takes one token for a retry; false when the budget is spent. */
  tryWithdraw(): boolean {
    return todo("TODO(lab02 §1): take one token if there is one — see labs/02-rpc/README.md, step 1");
  }
}

/** How long to wait before retry number `retry` (1 for the first retry): exponential backoff, full jitter. */
export function backoffDelay(retry: number, policy: RetryPolicy): number {
  return todo("TODO(lab02 §1): exponential backoff with full jitter — see labs/02-rpc/README.md, step 1");
}

/**
 * Whether a failed attempt may be tried again. A non-idempotent request may go again only if it was never
 * sent; an idempotent one also when its answer was lost or said "unavailable".
 */
export function isRetryable(error: unknown, idempotent: boolean): boolean {
  return todo("TODO(lab02 §1): decide which failures are worth another attempt — see labs/02-rpc/README.md, step 1");
}

/**
 * Runs `attempt` until it succeeds, fails in a way that is not retryable (that error is thrown as is), or
 * the policy gives up (an `Unavailable` is thrown, the last failure as its cause). `attempt` receives a
 * signal that aborts at the attempt's timeout or the call's deadline, whichever comes first.
 */
export async function callWithRetry<T>(
  attempt: (signal: AbortSignal, attemptNumber: number) => Promise<T>,
  policy: RetryPolicy,
  options: CallOptions,
): Promise<T> {
  return todo("TODO(lab02 §1): deadlines, retries with backoff and jitter, and the retry budget — see labs/02-rpc/README.md, step 1");
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
