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
  // @solution §2 "record the charge under its idempotency key first, then settle it"
  const fresh: StoredCharge = {
    id: request.idempotencyKey,
    card: request.card,
    amount: request.amount,
    status: "pending",
    createdAt: new Date().toISOString(),
  };
  let record: Versioned<StoredCharge>;
  let replayed = false;
  try {
    record = { value: fresh, version: await kv.put(chargeKey(fresh.id), fresh, { ifAbsent: true }) };
  } catch (error) {
    if (!(error instanceof VersionConflict)) throw error;
    const existing = await readCharge(kv, fresh.id);
    if (!existing) throw new Error(`charge ${fresh.id} vanished after a conflict`, { cause: error });
    record = existing;
    replayed = true;
  }
  if (record.value.card !== request.card || record.value.amount !== request.amount) {
    throw problem(422, "this idempotency key was already used for a different charge", {
      type: KEY_REUSED_TYPE,
      errors: [{ field: "body/idempotencyKey", message: "already used with another card or amount" }],
    });
  }
  return { charge: await settleCharge(kv, record), replayed };
  // @end
}

/** Drives a charge out of "pending": debit or decline, exactly once, then make the record say which. */
export async function settleCharge(kv: KvClient, record: Versioned<StoredCharge>): Promise<StoredCharge> {
  // @solution §2 "debit or decline once, finish the record, converge on the first result"
  const { id, card, amount } = record.value;
  let current = record;
  while (current.value.status === "pending") {
    const outcome = await applyOnce(
      kv,
      card,
      id,
      (balance) =>
        balance >= amount ? { outcome: "debited", balance: balance - amount } : { outcome: "declined", balance },
      async () => (await readCharge(kv, id))?.value.status === "pending",
    );
    if (outcome !== undefined) {
      const final: StoredCharge =
        outcome === "debited"
          ? { ...current.value, status: "succeeded" }
          : { ...current.value, status: "declined", reason: "insufficient-funds" };
      try {
        current = { value: final, version: await kv.put(chargeKey(id), final, { ifMatch: current.version }) };
        break;
      } catch (error) {
        if (!(error instanceof VersionConflict)) throw error;
      }
    }
    // Somebody else finished it (with the same outcome: there is only one): read what they wrote.
    current = (await readCharge(kv, id)) ?? current;
  }
  await forget(kv, card, id);
  return current.value;
  // @end
}

/** Gives a succeeded charge's money back, once; asking again answers the same refunded charge. */
export async function refund(kv: KvClient, id: string): Promise<StoredCharge> {
  const found = await readCharge(kv, id);
  if (!found) throw problem(404, `no charge '${id}'`);
  // @solution §3 "refund once: mark the charge refund-pending, credit the account once, mark it refunded"
  let current = found;
  const operation = `refund:${id}`;
  for (let tries = 0; tries < 100; tries++) {
    const charge: StoredCharge = current.value;
    try {
      switch (charge.status) {
        case "declined":
          throw problem(409, "this charge was declined: there is nothing to refund");
        case "refunded":
          await forget(kv, charge.card, operation);
          return charge;
        case "pending":
          await settleCharge(kv, current);
          break;
        case "succeeded":
          await kv.put(chargeKey(id), { ...charge, status: "refund-pending" }, { ifMatch: current.version });
          break;
        case "refund-pending": {
          const outcome = await applyOnce(
            kv,
            charge.card,
            operation,
            (balance) => ({ outcome: "credited", balance: balance + charge.amount }),
            async () => (await readCharge(kv, id))?.value.status === "refund-pending",
          );
          if (outcome !== undefined) {
            await kv.put(chargeKey(id), { ...charge, status: "refunded" }, { ifMatch: current.version });
          }
          break;
        }
      }
    } catch (error) {
      if (!(error instanceof VersionConflict)) throw error;
    }
    current = (await readCharge(kv, id)) ?? current;
  }
  throw new Error(`gave up refunding ${id} after 100 conflicting writes`);
  // @end
}
