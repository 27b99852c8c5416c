import { EventEmitter } from "node:events";
import { z } from "zod";
import { maskCard, VersionConflict, type KvClient } from "@distlab/kit/shop";

/**
 * A card's transactions: every money movement, numbered 1, 2, 3... with no gap, in the order the account
 * record saw them. The account record itself assigns the number (its `sequence`) and holds the latest
 * transaction (`lastTransaction`) in the same compare-and-set that moves the money; the transaction is then
 * copied under its own key:
 *
 *   payment:tx:<card>:<sequence, 12 digits>   { card, sequence, kind, amount, balance, operationId, at }
 *
 * A writer can crash between the two writes, so the copy of the latest transaction may be missing for a
 * while. The next movement on the card stores it before writing its own (see journal.ts): every
 * transaction but the latest is always under its key, and the latest is always in the account.
 */

export const transactionKind = z.enum(["opening", "debit", "credit"]);

export const storedTransaction = z.object({
  card: z.string(),
  sequence: z.number().int().positive(),
  kind: transactionKind,
  /** Never negative: `kind` says which way the money went. */
  amount: z.number().int().min(0),
  /** The balance right after this transaction. */
  balance: z.number().int(),
  operationId: z.string(),
  at: z.string(),
});
export type StoredTransaction = z.infer<typeof storedTransaction>;

export const transactionKey = (card: string, sequence: number) =>
  `payment:tx:${card}:${String(sequence).padStart(12, "0")}`;

const announcements = new EventEmitter().setMaxListeners(0);

/** Stores a transaction under its number, once: storing it again changes nothing. Tells local watchers. */
export async function saveTransaction(kv: KvClient, transaction: StoredTransaction): Promise<void> {
  try {
    await kv.put(transactionKey(transaction.card, transaction.sequence), transaction, { ifAbsent: true });
  } catch (error) {
    if (!(error instanceof VersionConflict)) throw error;
  }
  announcements.emit(transaction.card, transaction.sequence);
}

/**
 * Calls `listener` whenever this process stores a transaction of `card`; returns the unsubscribe function.
 * Only a hint that something changed (another Payment process would not announce here): watchers still
 * poll, and always read the KV.
 */
export function onTransaction(card: string, listener: () => void): () => void {
  announcements.on(card, listener);
  return () => announcements.off(card, listener);
}

/**
 * The transactions of a card numbered after `after`, in order, at most `limit` of them. `latest` is the
 * account's `lastTransaction`, read just before: it may not be under its key yet, and every one before it is.
 */
export async function readTransactions(
  kv: KvClient,
  latest: StoredTransaction | undefined,
  after: number,
  limit: number,
): Promise<StoredTransaction[]> {
  if (!latest || latest.sequence <= after) return [];
  const last = Math.min(latest.sequence, after + limit);
  const numbers = Array.from({ length: last - after }, (_, i) => after + 1 + i);
  return Promise.all(
    numbers.map(async (sequence) => {
      if (sequence === latest.sequence) return latest;
      const found = await kv.get(transactionKey(latest.card, sequence), storedTransaction);
      if (!found) throw new Error(`transaction ${sequence} of card ${maskCard(latest.card)} is missing`);
      return found.value;
    }),
  );
}
