// Generated from payment.proto by proto-loader-gen-types: do not edit, run regenerate.sh.
// Original file: payment.proto

export const ChargeStatus = {
  CHARGE_STATUS_UNSPECIFIED: "CHARGE_STATUS_UNSPECIFIED",
  /**
   * Only while a charge is being settled (or was cut by a crash: the next copy of it finishes it).
   */
  CHARGE_STATUS_PENDING: "CHARGE_STATUS_PENDING",
  CHARGE_STATUS_SUCCEEDED: "CHARGE_STATUS_SUCCEEDED",
  CHARGE_STATUS_DECLINED: "CHARGE_STATUS_DECLINED",
  CHARGE_STATUS_REFUND_PENDING: "CHARGE_STATUS_REFUND_PENDING",
  CHARGE_STATUS_REFUNDED: "CHARGE_STATUS_REFUNDED",
} as const;

export type ChargeStatus =
  | "CHARGE_STATUS_UNSPECIFIED"
  | 0
  /**
   * Only while a charge is being settled (or was cut by a crash: the next copy of it finishes it).
   */
  | "CHARGE_STATUS_PENDING"
  | 1
  | "CHARGE_STATUS_SUCCEEDED"
  | 2
  | "CHARGE_STATUS_DECLINED"
  | 3
  | "CHARGE_STATUS_REFUND_PENDING"
  | 4
  | "CHARGE_STATUS_REFUNDED"
  | 5;

export type ChargeStatus__Output = (typeof ChargeStatus)[keyof typeof ChargeStatus];
