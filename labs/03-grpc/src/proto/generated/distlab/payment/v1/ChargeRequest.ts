// Generated from payment.proto by proto-loader-gen-types: do not edit, run regenerate.sh.
// Original file: payment.proto

import type { Long } from "@grpc/proto-loader";

export interface ChargeRequest {
  /**
   * 12 to 19 digits that pass the Luhn check.
   */
  card?: string;
  /**
   * 1 to 100000000 (one million euros).
   */
  amountCents?: number | string | Long;
}

export interface ChargeRequest__Output {
  /**
   * 12 to 19 digits that pass the Luhn check.
   */
  card: string;
  /**
   * 1 to 100000000 (one million euros).
   */
  amountCents: number;
}
