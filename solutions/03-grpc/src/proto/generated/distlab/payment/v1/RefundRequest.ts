// Generated from payment.proto by proto-loader-gen-types: do not edit, run regenerate.sh.
// Original file: payment.proto

export interface RefundRequest {
  /**
   * The charge's id: the idempotency key it was made with.
   */
  chargeId?: string;
}

export interface RefundRequest__Output {
  /**
   * The charge's id: the idempotency key it was made with.
   */
  chargeId: string;
}
