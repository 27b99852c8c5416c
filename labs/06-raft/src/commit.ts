// Step 3 — commit and apply (Figure 2: Rules for Servers; §5.3, §5.4.2 and Figure 8 of the paper). An
// entry is committed once the leader has it on a majority; the leader counts replicas only for entries
// of its own term, and entries before it commit with it. Every server applies committed entries in
// index order, exactly once, by handing them to the service.
import type { Env } from "@distlab/kit/sim";
import { entryAt, lastLogIndex, termAt } from "./log.ts";
import type { RaftMessage } from "./messages.ts";
import { majority, type RaftState } from "./state.ts";
import { todo } from "@distlab/kit/service";

type Raft = RaftState<unknown>;

/**
 * Leader: the highest index N > commitIndex stored on a majority (itself included) whose entry is of the
 * current term becomes commitIndex. An entry of an earlier term is never committed by counting replicas:
 * Figure 8 shows such an entry on a majority being overwritten later.
 */
export function advanceCommitIndex(raft: Raft, _env: Env<RaftMessage>): void {
  return todo("TODO(lab06 §3): commit the highest current-term index on a majority, then apply — see labs/06-raft/README.md, step 3");
}

/**
 * Follower: the leader's commitIndex, but no further than the last entry this AppendEntries matched
 * (anything after it may still be a stale entry the leader will overwrite); never backwards.
 */
export function updateFollowerCommit(raft: Raft, leaderCommit: number, lastNewIndex: number): void {
  return todo("TODO(lab06 §3): follow the leader's commitIndex up to the last new entry, never backwards, then apply — see labs/06-raft/README.md, step 3");
}

/** Queues every committed entry not yet applied, in order, for the service (raft.ts hands them over). */
export function applyCommitted(raft: Raft): void {
  return todo("TODO(lab06 §3): queue each committed, unapplied entry in index order, once — see labs/06-raft/README.md, step 3");
}
