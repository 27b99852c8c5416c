import type { Charge, ChargeRequest } from "../schemas/payment.ts";

/**
 * PetStore's view of Payment, whatever carries the calls: HTTP/JSON (Lab 02's payment client) or gRPC
 * (Lab 03's). Checkout sees one of three results either way: the charge went through, Payment declined it,
 * or Payment could not be reached in time (the call throws an `Unavailable`: 503 with Retry-After).
 */

export type ChargeOutcome = { status: "succeeded"; charge: Charge } | { status: "declined"; detail: string };

export interface PaymentPort {
  /** Charges once per idempotency key, however many attempts it takes. */
  charge(request: ChargeRequest): Promise<ChargeOutcome>;
  /** Gives a charge's money back; refunds are idempotent on Payment's side, so retries are safe. */
  refund(chargeId: string): Promise<Charge>;
  close(): Promise<void>;
}
