import { problem } from "@distlab/kit/service";
import { randomUUID } from "node:crypto";
import type { Charge, ChargeRequest } from "../schemas/payment.ts";

/**
 * PetStore's view of Payment, whatever carries the calls: HTTP/JSON (payment-client.ts) or gRPC
 * (payment-grpc-client.ts). Checkout sees one of three results either way: the charge went through,
 * Payment declined it, or Payment could not be reached in time (an `Unavailable`: 503 with Retry-After).
 */

export type ChargeOutcome = { status: "succeeded"; charge: Charge } | { status: "declined"; detail: string };

/** What a call to Payment carries over from the PetStore request it serves. */
export interface CallContext {
  /** When the PetStore request must be answered (epoch ms): the call to Payment must be over by then. */
  deadline: number;
  /** The request's id, sent along so that both services' logs can be joined. */
  requestId: string;
}

export interface PaymentPort {
  /** Charges once per idempotency key, however many attempts it takes. */
  charge(request: ChargeRequest, context: CallContext): Promise<ChargeOutcome>;
  /** Gives a charge's money back; refunds are idempotent on Payment's side, so retries are safe. */
  refund(chargeId: string, context: CallContext): Promise<Charge>;
  close(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._~:-]{1,128}$/;

/**
 * The context of a PetStore request that arrived at `receivedAt`: its deadline is `budgetMs` later, or
 * sooner when the caller asks with `x-request-timeout-ms`; its id is the caller's `x-request-id`, or a
 * fresh one.
 */
export function callContextOf(
  headers: Record<string, string | string[] | undefined>,
  receivedAt: number,
  budgetMs: number,
): CallContext {
  const timeout = headers["x-request-timeout-ms"];
  let budget = budgetMs;
  if (timeout !== undefined) {
    const asked = Number(timeout);
    if (typeof timeout !== "string" || !Number.isInteger(asked) || asked < 1) {
      throw problem(400, "x-request-timeout-ms must be a positive integer (milliseconds)", {
        errors: [{ field: "headers/x-request-timeout-ms", message: "expected a positive integer" }],
      });
    }
    budget = Math.min(budget, asked);
  }
  const id = headers["x-request-id"];
  return {
    deadline: receivedAt + budget,
    requestId: typeof id === "string" && REQUEST_ID.test(id) ? id : randomUUID(),
  };
}
