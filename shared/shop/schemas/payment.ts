import { z } from "zod";
import { cardNumber, cents, opaqueKey } from "./common.ts";

/** Payment's API contract, used by Payment to validate and by PetStore's client to check what comes back. */

export const cardParams = z.strictObject({ card: cardNumber });

export const createAccountBody = z.strictObject({
  card: cardNumber,
  /** Opening balance, in cents. */
  balance: z.number().int().min(0).max(100_000_000).default(0),
});

export const creditBody = z.strictObject({ amount: cents });

export const accountSchema = z.object({
  card: z.string(),
  balance: z.number().int(),
});

export const chargeBody = z.strictObject({
  card: cardNumber,
  amount: cents,
  /** Chosen by the caller, one per payment it means to make: a retry sends the same key again. */
  idempotencyKey: opaqueKey,
});

export const chargeParams = z.strictObject({ id: opaqueKey });

/** "pending" and "refund-pending" are seen only while an operation is in flight (or was cut by a crash). */
export const chargeStatus = z.enum(["pending", "succeeded", "declined", "refund-pending", "refunded"]);

export const chargeSchema = z.object({
  /** The idempotency key: one charge per key, ever. */
  id: z.string(),
  /** Masked: ****1234. */
  card: z.string(),
  amount: z.number().int(),
  status: chargeStatus,
  /** Why a charge was declined: "insufficient-funds" or "unknown-card". */
  reason: z.string().optional(),
  createdAt: z.string(),
});

export type ChargeRequest = z.infer<typeof chargeBody>;
export type Charge = z.infer<typeof chargeSchema>;
export type Account = z.infer<typeof accountSchema>;

/** The problem types of Payment's 422 answers: a declined charge, a card without an account, a reused key. */
export const DECLINED_TYPE = "https://distlab.dev/problems/payment-declined";
export const UNKNOWN_CARD_TYPE = "https://distlab.dev/problems/unknown-card";
export const KEY_REUSED_TYPE = "https://distlab.dev/problems/idempotency-key-reused";
