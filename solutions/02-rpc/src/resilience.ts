import { HttpProblem } from "@distlab/kit/service";
import { setTimeout as sleep } from "node:timers/promises";
import { neverSent, noAnswer, UnavailableAnswer } from "@distlab/kit/shop";

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
    // @solution §1 "a success puts a fraction of a token back, never above the maximum"
    this.tokens = Math.min(this.maxTokens, this.tokens + this.depositPerSuccess);
    // @end
  }

  /** Takes one token for a retry; false when the budget is spent. */
  tryWithdraw(): boolean {
    // @solution §1 "take one token if there is one"
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
    // @end
  }
}

/** How long to wait before retry number `retry` (1 for the first retry): exponential backoff, full jitter. */
export function backoffDelay(retry: number, policy: RetryPolicy): number {
  // @solution §1 "exponential backoff with full jitter"
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor((policy.random ?? Math.random)() * ceiling);
  // @end
}

/**
 * Whether a failed attempt may be tried again. A non-idempotent request may go again only if it was never
 * sent; an idempotent one also when its answer was lost or said "unavailable".
 */
export function isRetryable(error: unknown, idempotent: boolean): boolean {
  // @solution §1 "decide which failures are worth another attempt"
  if (neverSent(error)) return true;
  if (!idempotent) return false;
  return error instanceof UnavailableAnswer || noAnswer(error);
  // @end
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
  // @solution §1 "deadlines, retries with backoff and jitter, and the retry budget"
  const deadline = AbortSignal.any([
    AbortSignal.timeout(policy.deadlineMs),
    ...(options.signal ? [options.signal] : []),
  ]);
  const deadlineAt = Date.now() + policy.deadlineMs;
  let lastError: unknown;
  for (let number = 1; ; number++) {
    try {
      const result = await attempt(AbortSignal.any([deadline, AbortSignal.timeout(policy.attemptTimeoutMs)]), number);
      policy.budget.onSuccess();
      return result;
    } catch (error) {
      if (!isRetryable(error, options.idempotent)) throw error;
      lastError = error;
    }
    const giveUp = (why: string, retryAfterSeconds = 1) =>
      new Unavailable(
        `${why} after ${number} attempt(s): ${describe(lastError)}`,
        number,
        retryAfterSeconds,
        lastError,
      );
    if (number >= policy.maxAttempts) throw giveUp("no attempts left");
    const wait = backoffDelay(number, policy);
    // Sleeping past the deadline would only delay the same answer.
    if (deadline.aborted || Date.now() + wait >= deadlineAt) throw giveUp("deadline reached");
    // An empty budget means the service has been failing a lot: ask callers to stay away longer.
    if (!policy.budget.tryWithdraw()) throw giveUp("retry budget spent", 5);
    try {
      await sleep(wait, undefined, { signal: deadline });
    } catch {
      throw giveUp("deadline reached");
    }
  }
  // @end
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
