// Generated from payment.proto by proto-loader-gen-types: do not edit, run regenerate.sh.
// Original file: payment.proto

import type {
  TransactionKind as _distlab_payment_v1_TransactionKind,
  TransactionKind__Output as _distlab_payment_v1_TransactionKind__Output,
} from "../../../distlab/payment/v1/TransactionKind.ts";
import type { Long } from "@grpc/proto-loader";

export interface Transaction {
  /**
   * 1, 2, 3... per card, with no gap.
   */
  sequence?: number | string | Long;
  kind?: _distlab_payment_v1_TransactionKind;
  /**
   * Always positive: the kind says in which direction the money went.
   */
  amountCents?: number | string | Long;
  /**
   * The balance right after this transaction.
   */
  balanceCents?: number | string | Long;
  /**
   * The charge id, "refund:<charge id>" or "credit:<uuid>".
   */
  operationId?: string;
  /**
   * RFC 3339.
   */
  at?: string;
  resumeToken?: string;
}

export interface Transaction__Output {
  /**
   * 1, 2, 3... per card, with no gap.
   */
  sequence: number;
  kind: _distlab_payment_v1_TransactionKind__Output;
  /**
   * Always positive: the kind says in which direction the money went.
   */
  amountCents: number;
  /**
   * The balance right after this transaction.
   */
  balanceCents: number;
  /**
   * The charge id, "refund:<charge id>" or "credit:<uuid>".
   */
  operationId: string;
  /**
   * RFC 3339.
   */
  at: string;
  resumeToken: string;
}
