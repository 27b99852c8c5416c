// Step 4 — persistence (Figure 2: "Persistent state on all servers ... updated on stable storage before
// responding to RPCs"). currentTerm, votedFor and the log survive a crash; everything else is rebuilt.
// The simulator in the tests loses every write not followed by storage.sync(), as a disk loses what was
// never fsynced.
import type { Env } from "@distlab/kit/sim";
import { readLog, writeLog } from "./log-store.ts";
import type { RaftMessage } from "./messages.ts";
import type { RaftState } from "./state.ts";
import { todo } from "@distlab/kit/service";

/** Storage keys of the term and vote, and of the snapshot's data (written by step 5); the log has its own (log-store.ts). */
export const TERM_AND_VOTE_KEY = "raft/term-and-vote";
export const SNAPSHOT_KEY = "raft/snapshot";

export interface StoredTermAndVote {
  currentTerm: number;
  votedFor: string | null;
}

/**
 * Writes currentTerm, votedFor and the log (with the snapshot's index and term: writeLog stores only the
 * entries that changed) to storage, and syncs.
 */
export function persist(raft: RaftState<unknown>, env: Env<RaftMessage>): void {
  return todo("TODO(lab06 §4): write term, vote and log to storage, then sync before anyone hears of them — see labs/06-raft/README.md, step 4");
}

/**
 * On start (and every restart): reads back what persist() wrote. A server with a snapshot has applied
 * everything it covers: commitIndex and lastApplied start there, and the snapshot goes to the service
 * first. A server that never ran finds nothing and keeps its fresh state.
 */
export function restorePersisted(raft: RaftState<unknown>, env: Env<RaftMessage>): void {
  return todo("TODO(lab06 §4): read term, vote, log and snapshot back; restart commitIndex and lastApplied at the snapshot — see labs/06-raft/README.md, step 4");
}
