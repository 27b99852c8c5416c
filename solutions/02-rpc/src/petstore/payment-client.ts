import { Agent } from "undici";
import {
  type Charge,
  type ChargeOutcome,
  type ChargeRequest,
  chargeSchema,
  type JsonReply,
  type PaymentPort,
  problemDetail,
  requestJson,
  throwIfUnavailable,
} from "@distlab/kit/shop";
import { callWithRetry, RetryBudget, Unavailable, type RetryPolicy } from "../resilience.ts";

/**
 * PetStore's client for Payment. It speaks Payment's contract (the shared zod schemas) and turns every
 * way a call can end into one of three results: the charge went through, Payment declined it, or Payment
 * could not be reached in time (an `Unavailable`, which answers 503 with Retry-After).
 */

/** A whole number from the environment, or `fallback` when it is unset or not a whole number ≥ `min`. */
function count(raw: string | undefined, fallback: number, min: number): number {
  const value = Number(raw);
  return raw !== undefined && raw !== "" && Number.isInteger(value) && value >= min ? value : fallback;
}

export function paymentPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  return {
    maxAttempts: count(env.PAYMENT_MAX_ATTEMPTS, 6, 1),
    attemptTimeoutMs: Number(env.PAYMENT_TIMEOUT_MS) || 2000,
    deadlineMs: Number(env.PAYMENT_DEADLINE_MS) || 6000,
    baseDelayMs: 100,
    maxDelayMs: 2000,
    // PAYMENT_RETRY_BUDGET retries in a burst, then one per 10 successful calls.
    budget: new RetryBudget(count(env.PAYMENT_RETRY_BUDGET, 10, 0), 0.1),
  };
}

export class PaymentClient implements PaymentPort {
  private readonly base: string;
  private readonly dispatcher = new Agent({ connections: 32, keepAliveTimeout: 2000 });

  constructor(
    url: string,
    private readonly policy: RetryPolicy = paymentPolicyFromEnv(),
  ) {
    this.base = url.replace(/\/+$/, "");
  }

  /** Charges once per idempotency key, however many attempts it takes. */
  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    // @solution §4 "call Payment through the resilient call and sort out its answers"
    const reply = await this.send("POST", "/charges", request);
    if (reply.status === 201) return { status: "succeeded", charge: chargeSchema.parse(reply.body) };
    // Insufficient funds, or a card without an account: a final answer, not a failure to retry.
    if (reply.status === 422) return { status: "declined", detail: problemDetail(reply) };
    throw new Error(`Payment refused the charge with ${reply.status}: ${problemDetail(reply)}`);
    // @end
  }

  /** Gives a charge's money back; refunds are idempotent on Payment's side, so retries are safe. */
  async refund(chargeId: string): Promise<Charge> {
    const reply = await this.send("POST", `/charges/${chargeId}/refund`);
    if (reply.status !== 200)
      throw new Error(`Payment refused the refund with ${reply.status}: ${problemDetail(reply)}`);
    return chargeSchema.parse(reply.body);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /** A keyed (so idempotent) call to Payment; when it gives up, an `Unavailable` that PetStore answers as 503. */
  private async send(method: "POST", path: string, body?: unknown): Promise<JsonReply> {
    // @solution §4 "send through callWithRetry (keyed, so idempotent) and explain an Unavailable"
    try {
      return await callWithRetry(
        async (signal) =>
          throwIfUnavailable(
            await requestJson(`${this.base}${path}`, { method, body, signal, dispatcher: this.dispatcher }),
          ),
        this.policy,
        { idempotent: true },
      );
    } catch (error) {
      if (!(error instanceof Unavailable)) throw error;
      throw new Unavailable(
        `Payment is unavailable (${error.message}); nothing was lost: retry the same request later`,
        error.attempts,
        error.retryAfterSeconds,
        error,
      );
    }
    // @end
  }
}
