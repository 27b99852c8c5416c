import * as grpc from "@grpc/grpc-js";
import { createHash } from "node:crypto";
import type { ProtoTransaction, ProtoWatchRequest } from "../grpc/proto.ts";
import { GrpcStatusError, parseOrInvalid } from "../grpc/status.ts";
import { cardParams, type KvClient } from "@distlab/kit/shop";
import { readJournal } from "./journal.ts";
import { onTransaction, readTransactions, type StoredTransaction } from "./transactions.ts";

/**
 * WatchTransactions: a server stream of a card's transactions, from a resume token on. The stream is
 * read from the KV a page at a time, and the next page is read only once the client has taken the last
 * one: a client that reads slowly (or not at all) costs the server one page, not its whole history.
 */

export interface WatchOptions {
  /** Transactions read from the KV at a time. */
  pageSize: number;
  /** How often to look for new transactions when no local announcement came (another process may write). */
  pollMs: number;
}

export type WatchCall = grpc.ServerWritableStream<ProtoWatchRequest, ProtoTransaction>;

/** Step 2: every transaction of the card after the resume token, in order, then new ones as they come. */
export async function watchTransactions(kv: KvClient, call: WatchCall, options: WatchOptions): Promise<void> {
  // @solution §2 "stream the card's transactions from the resume token on, a page at a time, respecting backpressure"
  const { card } = parseOrInvalid(cardParams, { card: call.request.card });
  let after = call.request.resumeToken ? decodeResumeToken(call.request.resumeToken, card) : 0;
  const account = await readJournal(kv, card);
  if (!account) throw new GrpcStatusError(grpc.status.NOT_FOUND, "no account for this card");
  if (after > account.value.sequence) {
    throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, "resume_token: ahead of this card's transactions");
  }
  const changes = watchChanges(card, call);
  try {
    while (!call.cancelled) {
      const latest = (await readJournal(kv, card))?.value.lastTransaction;
      const page = await readTransactions(kv, latest, after, options.pageSize);
      for (const transaction of page) {
        if (call.cancelled) return;
        // write() answers false once the stream's buffer is full: wait until HTTP/2 took it.
        if (!call.write(toProtoTransaction(transaction))) await drained(call);
        after = transaction.sequence;
      }
      if (page.length < options.pageSize) await changes.next(options.pollMs);
    }
  } finally {
    changes.close();
  }
  // @end
}

/** Resolves once the stream can take more ('drain'), or the call is over. */
export function drained(call: WatchCall): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off("drain", done);
      call.off("close", done);
      call.off("cancelled", done);
      resolve();
    };
    call.on("drain", done);
    call.on("close", done);
    call.on("cancelled", done);
    if (call.cancelled) done();
  });
}

/**
 * Wakes a watcher when this process stores a transaction of the card, after `pollMs` at the latest, or
 * when the call ends. An announcement that came while the watcher was busy is not lost: the next wait
 * returns at once.
 */
export function watchChanges(card: string, call: WatchCall) {
  let pending = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    pending = true;
    wake?.();
  };
  const unsubscribe = onTransaction(card, signal);
  call.on("cancelled", signal);
  return {
    async next(pollMs: number): Promise<void> {
      if (!pending) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      pending = false;
    },
    close(): void {
      unsubscribe();
      call.off("cancelled", signal);
    },
  };
}

/** A resume token: the sequence number of the last transaction delivered, bound to its card. */
export function encodeResumeToken(card: string, sequence: number): string {
  return Buffer.from(JSON.stringify({ card: cardTag(card), after: sequence })).toString("base64url");
}

/** The sequence number a resume token stands for; INVALID_ARGUMENT for a token this card was not given. */
export function decodeResumeToken(token: string, card: string): number {
  try {
    const decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { card?: unknown; after?: unknown };
    if (decoded.card === cardTag(card) && Number.isSafeInteger(decoded.after) && (decoded.after as number) >= 0) {
      return decoded.after as number;
    }
  } catch {
    // not base64url JSON: refused below
  }
  throw new GrpcStatusError(
    grpc.status.INVALID_ARGUMENT,
    "resume_token: not a token this service gave out for this card",
  );
}

/** A card's tag in its tokens: a hash, so a token does not carry the card number. */
function cardTag(card: string): string {
  return createHash("sha256").update(card).digest("base64url").slice(0, 16);
}

export function toProtoTransaction(transaction: StoredTransaction): ProtoTransaction {
  return {
    sequence: transaction.sequence,
    kind: `TRANSACTION_KIND_${transaction.kind.toUpperCase()}` as ProtoTransaction["kind"],
    amountCents: transaction.amount,
    balanceCents: transaction.balance,
    operationId: transaction.operationId,
    at: transaction.at,
    resumeToken: encodeResumeToken(transaction.card, transaction.sequence),
  };
}
