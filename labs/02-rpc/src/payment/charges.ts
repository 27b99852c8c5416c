import { problem } from "@distlab/kit/service";
import {
  type ChargeRequest,
  KEY_REUSED_TYPE,
  type KvClient,
  UNKNOWN_CARD_TYPE,
  VersionConflict,
  type Versioned,
} from "@distlab/kit/shop";
import { applyOnce, chargeKey, forget, readAccount, readCharge, type StoredCharge } from "./ledger.ts";
import { todo } from "@distlab/kit/service";

/**
 * The idempotent charge. The charge record is stored under its idempotency key *before* any money moves,
 * so every copy of the same request (a retry, a duplicate, two at once, one after a crash) finds the same
 * record and drives it to the same end. Nobody waits for anybody: whoever finds a charge pending finishes
 * it, and `applyOnce` makes sure the account is debited once whoever does it.
 */

export interface ChargeResult {
  charge: StoredCharge;
  /** True when the key was already known: this answer repeats the first one. */
  replayed: boolean;
}

export async function charge(kv: KvClient, request: ChargeRequest): Promise<ChargeResult> {
  // A card without an account is refused like bad input, and nothing is stored: accounts are never
  // deleted, so once a charge is recorded its account exists for good.
  if (!(await readAccount(kv, request.card))) {
    throw problem(422, "no account for this card", {
      type: UNKNOWN_CARD_TYPE,
      errors: [{ field: "body/card", message: "no account for this card" }],
    });
  }
  return todo("TODO(lab02 §2): record the charge under its idempotency key first, then settle it — see labs/02-rpc/README.md, step 2");
}

/** Drives a charge out of "pending": debit or decline, exactly once, then make the record say which. */
export async function settleCharge(kv: KvClient, record: Versioned<StoredCharge>): Promise<StoredCharge> {
  return todo("TODO(lab02 §2): debit or decline once, finish the record, converge on the first result — see labs/02-rpc/README.md, step 2");
}

/** Gives a succeeded charge's money back, once; asking again answers the same refunded charge. */
export async function refund(kv: KvClient, id: string): Promise<StoredCharge> {
  const found = await readCharge(kv, id);
  if (!found) throw problem(404, `no charge '${id}'`);
  return todo("TODO(lab02 §3): refund once: mark the charge refund-pending, credit the account once, mark it refunded — see labs/02-rpc/README.md, step 3");
}
