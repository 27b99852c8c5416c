import { KvClient, type Condition, type Versioned } from "@distlab/kit/shop";
import { accountKey, storedAccount, type StoredAccount } from "@distlab/lab/02-rpc/payment/ledger.ts";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { saveTransaction, storedTransaction, type StoredTransaction } from "./transactions.ts";

/**
 * The journal: every money movement on a card gets a transaction number, in the same compare-and-set that
 * moves the money. Lab 02's ledger is unchanged: Payment is handed this KV client instead of the plain one,
 * and every account it writes passes through here. An account written at a new balance leaves with its
 * transaction count (`sequence`) one higher and its latest transaction (`lastTransaction`) in the same
 * document; the transaction is then copied under its own key (see transactions.ts). A write that moves no
 * money (forgetting an outcome) carries the count and the latest transaction over unchanged.
 */

export const journaledAccount = storedAccount.extend({
  sequence: z.number().int().min(0).default(0),
  lastTransaction: storedTransaction.optional(),
});
export type JournaledAccount = z.infer<typeof journaledAccount>;

const ACCOUNT_PREFIX = accountKey("");
/** Accounts read lately, by key and version: what a compare-and-set write of that version started from. */
const REMEMBERED = 1000;

export class JournalingKvClient extends KvClient {
  private readonly read = new Map<string, JournaledAccount>();

  override async get<S extends z.ZodType>(key: string, schema: S): Promise<Versioned<z.output<S>> | undefined> {
    if (!key.startsWith(ACCOUNT_PREFIX)) return super.get(key, schema);
    const found = await super.get(key, journaledAccount);
    if (!found) return undefined;
    this.remember(key, found);
    const parsed = schema.safeParse(found.value);
    if (!parsed.success) throw new Error(`KV key '${key}' holds an unexpected document: ${parsed.error.message}`);
    return { value: parsed.data, version: found.version };
  }

  override async put(key: string, value: unknown, condition: Condition): Promise<number> {
    if (!key.startsWith(ACCOUNT_PREFIX)) return super.put(key, value, condition);
    const next = storedAccount.parse(value);
    const previous = "ifMatch" in condition ? await this.accountAt(key, condition.ifMatch) : undefined;
    // The version moved since it was read: the write fails with a conflict, as it would without a journal.
    if ("ifMatch" in condition && !previous) return super.put(key, value, condition);
    const { account, transaction } = journal(previous, next);
    // The previous transaction's writer may have crashed before storing it: store it before it leaves the
    // account, so that no transaction number is ever missing.
    if (transaction && previous?.lastTransaction) await saveTransaction(this, previous.lastTransaction);
    const version = await super.put(key, account, condition);
    this.remember(key, { value: account, version });
    if (transaction) await saveTransaction(this, transaction);
    return version;
  }

  /** The account as it was at `version`, if it still is or was read at it lately. */
  private async accountAt(key: string, version: number): Promise<JournaledAccount | undefined> {
    const remembered = this.read.get(`${key}@${version}`);
    if (remembered) return remembered;
    const current = await super.get(key, journaledAccount);
    return current?.version === version ? current.value : undefined;
  }

  private remember(key: string, found: Versioned<JournaledAccount>): void {
    this.read.set(`${key}@${found.version}`, found.value);
    if (this.read.size > REMEMBERED) this.read.delete(this.read.keys().next().value!);
  }
}

/** The next state of an account's journal, and the transaction the write records (none if no money moved). */
function journal(
  previous: JournaledAccount | undefined,
  next: StoredAccount,
): { account: JournaledAccount; transaction?: StoredTransaction } {
  const at = new Date().toISOString();
  if (!previous) {
    const opening: StoredTransaction = {
      card: next.card,
      sequence: 1,
      kind: "opening",
      amount: next.balance,
      balance: next.balance,
      operationId: "opening",
      at,
    };
    return { account: { ...next, sequence: 1, lastTransaction: opening }, transaction: opening };
  }
  const moved = next.balance - previous.balance;
  const carried = { ...next, sequence: previous.sequence, lastTransaction: previous.lastTransaction };
  if (moved === 0) return { account: carried };
  const transaction: StoredTransaction = {
    card: next.card,
    sequence: previous.sequence + 1,
    kind: moved < 0 ? "debit" : "credit",
    amount: Math.abs(moved),
    balance: next.balance,
    operationId: operationOf(previous, next),
    at,
  };
  return { account: { ...carried, sequence: transaction.sequence, lastTransaction: transaction }, transaction };
}

/** The money operation a write applies: the one it adds to `applied`, or an admin's credit (it records none). */
function operationOf(previous: StoredAccount, next: StoredAccount): string {
  const added = Object.keys(next.applied).find((id) => !(id in previous.applied));
  return added ?? `credit:${randomUUID()}`;
}

/** A card's account with its journal, or undefined when the card has none. */
export function readJournal(kv: KvClient, card: string) {
  return kv.get(accountKey(card), journaledAccount);
}
