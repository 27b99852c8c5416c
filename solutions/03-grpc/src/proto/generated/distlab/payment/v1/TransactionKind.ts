// Generated from payment.proto by proto-loader-gen-types: do not edit, run regenerate.sh.
// Original file: payment.proto

export const TransactionKind = {
  TRANSACTION_KIND_UNSPECIFIED: "TRANSACTION_KIND_UNSPECIFIED",
  /**
   * The opening balance.
   */
  TRANSACTION_KIND_OPENING: "TRANSACTION_KIND_OPENING",
  /**
   * A charge took money.
   */
  TRANSACTION_KIND_DEBIT: "TRANSACTION_KIND_DEBIT",
  /**
   * A refund or an admin credit gave money.
   */
  TRANSACTION_KIND_CREDIT: "TRANSACTION_KIND_CREDIT",
} as const;

export type TransactionKind =
  | "TRANSACTION_KIND_UNSPECIFIED"
  | 0
  /**
   * The opening balance.
   */
  | "TRANSACTION_KIND_OPENING"
  | 1
  /**
   * A charge took money.
   */
  | "TRANSACTION_KIND_DEBIT"
  | 2
  /**
   * A refund or an admin credit gave money.
   */
  | "TRANSACTION_KIND_CREDIT"
  | 3;

export type TransactionKind__Output = (typeof TransactionKind)[keyof typeof TransactionKind];
