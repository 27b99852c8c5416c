import { problem } from "@distlab/kit/service";
import { z } from "zod";
import { type KvClient, maskCard } from "@distlab/kit/shop";

/**
 * Payment's records in the KV, and the one primitive that moves money: `applyOnce`.
 *
 *   payment:account:<card>   { card, balance, applied: { <operation id>: <outcome> } }
 *   payment:charge:<id>      { id, card, amount, status, reason?, createdAt }
 *
 * An account remembers the outcome of every money operation applied to it and not yet finished, under the
 * operation's id. That memory lives in the same record as the balance, so one compare-and-set both moves
 * the money and records that it moved: there is no moment where one is true and the other not.
 */

export const outcome = z.enum(["debited", "declined", "credited"]);
export type Outcome = z.infer<typeof outcome>;

export const storedAccount = z.object({
  card: z.string(),
  balance: z.number().int(),
  applied: z.record(z.string(), outcome),
});
export type StoredAccount = z.infer<typeof storedAccount>;

export const storedCharge = z.object({
  id: z.string(),
  card: z.string(),
  amount: z.number().int(),
  status: z.enum(["pending", "succeeded", "declined", "refund-pending", "refunded"]),
  reason: z.string().optional(),
  createdAt: z.string(),
});
export type StoredCharge = z.infer<typeof storedCharge>;

export const accountKey = (card: string) => `payment:account:${card}`;
export const chargeKey = (id: string) => `payment:charge:${id}`;

export async function readAccount(kv: KvClient, card: string) {
  return kv.get(accountKey(card), storedAccount);
}

export async function readCharge(kv: KvClient, id: string) {
  return kv.get(chargeKey(id), storedCharge);
}

/** Creates an account; 409 when the card already has one. */
export async function openAccount(kv: KvClient, card: string, balance: number): Promise<StoredAccount> {
  const account: StoredAccount = { card, balance, applied: {} };
  const stored = await kv.update(accountKey(card), storedAccount, (current) => {
    if (!current) return account;
    // Exactly what we meant to write: our own write, whose answer was lost and retried.
    if (JSON.stringify(current) === JSON.stringify(account)) return undefined;
    throw problem(409, `card ${maskCard(card)} already has an account`);
  });
  return stored!.value;
}

/** Adds money. Not idempotent on purpose: an admin who retries a credit blindly credits twice. */
export async function credit(kv: KvClient, card: string, amount: number): Promise<StoredAccount> {
  const stored = await kv.update(accountKey(card), storedAccount, (current) => {
    if (!current) throw problem(404, "no account for this card");
    return { ...current, balance: current.balance + amount };
  });
  return stored!.value;
}

/**
 * Applies one money operation to an account at most once, however many processes run it at the same
 * time, and returns its outcome. `decide` picks the outcome and the new balance from the current one.
 * `stillPending` re-reads the operation's own record: false once somebody finished the operation.
 *
 * Returns undefined when the operation is already finished (its record says so); the caller then reads
 * the record's final state instead.
 */
export async function applyOnce(
  kv: KvClient,
  card: string,
  operationId: string,
  decide: (balance: number) => { outcome: Outcome; balance: number },
  stillPending: () => Promise<boolean>,
): Promise<Outcome | undefined> {
  // @solution §2 "apply a money operation to an account exactly once, with compare-and-set"
  for (let tries = 0; tries < 100; tries++) {
    const account = await readAccount(kv, card);
    if (!account) throw new Error(`the account of a pending operation (${operationId}) is gone`);
    const known = account.value.applied[operationId];
    if (known) return known;
    // Nothing recorded: either nobody applied the operation yet, or somebody applied it, finished its
    // record and already forgot the outcome here. A record still pending after this read rules out the
    // second case, because outcomes are forgotten only once the record is final.
    if (!(await stillPending())) return undefined;
    const decision = decide(account.value.balance);
    const next: StoredAccount = {
      ...account.value,
      balance: decision.balance,
      applied: { ...account.value.applied, [operationId]: decision.outcome },
    };
    try {
      await kv.put(accountKey(card), next, { ifMatch: account.version });
      return decision.outcome;
    } catch (error) {
      if (!(error instanceof Error && error.name === "VersionConflict")) throw error;
    }
  }
  throw new Error(`gave up applying ${operationId} after 100 conflicting writes`);
  // @end
}

/** Drops an operation's outcome from the account once its record is final: the account stays small. */
export async function forget(kv: KvClient, card: string, operationId: string): Promise<void> {
  await kv.update(accountKey(card), storedAccount, (current) => {
    if (!current || !(operationId in current.applied)) return undefined;
    const applied = { ...current.applied };
    delete applied[operationId];
    return { ...current, applied };
  });
}
