// Generated from payment.proto by proto-loader-gen-types: do not edit, run regenerate.sh.
// Original file: payment.proto

import type {
  ChargeStatus as _distlab_payment_v1_ChargeStatus,
  ChargeStatus__Output as _distlab_payment_v1_ChargeStatus__Output,
} from "../../../distlab/payment/v1/ChargeStatus.ts";
import type { Long } from "@grpc/proto-loader";

export interface Charge {
  /**
   * The idempotency key: one charge per key, ever.
   */
  id?: string;
  /**
   * Masked: ****1234.
   */
  card?: string;
  amountCents?: number | string | Long;
  status?: _distlab_payment_v1_ChargeStatus;
  /**
   * Why a charge was declined ("insufficient-funds"); empty otherwise.
   */
  declineReason?: string;
  /**
   * RFC 3339.
   */
  createdAt?: string;
}

export interface Charge__Output {
  /**
   * The idempotency key: one charge per key, ever.
   */
  id: string;
  /**
   * Masked: ****1234.
   */
  card: string;
  amountCents: number;
  status: _distlab_payment_v1_ChargeStatus__Output;
  /**
   * Why a charge was declined ("insufficient-funds"); empty otherwise.
   */
  declineReason: string;
  /**
   * RFC 3339.
   */
  createdAt: string;
}
