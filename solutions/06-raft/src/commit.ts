// Step 3 — commit and apply (Figure 2: Rules for Servers; §5.3, §5.4.2 and Figure 8 of the paper). An
// entry is committed once the leader has it on a majority; the leader counts replicas only for entries
// of its own term, and entries before it commit with it. Every server applies committed entries in
// index order, exactly once, by handing them to the service.
import type { Env } from "@distlab/kit/sim";
import { entryAt, lastLogIndex, termAt } from "./log.ts";
import type { RaftMessage } from "./messages.ts";
import { majority, type RaftState } from "./state.ts";

type Raft = RaftState<unknown>;

/**
 * Leader: the highest index N > commitIndex stored on a majority (itself included) whose entry is of the
 * current term becomes commitIndex. An entry of an earlier term is never committed by counting replicas:
 * Figure 8 shows such an entry on a majority being overwritten later.
 */
export function advanceCommitIndex(raft: Raft, _env: Env<RaftMessage>): void {
  // @solution §3 "commit the highest current-term index on a majority, then apply"
  for (let n = lastLogIndex(raft); n > raft.commitIndex; n--) {
    if (termAt(raft, n) !== raft.currentTerm) break;
    const replicas = 1 + raft.peers.filter((peer) => (raft.matchIndex[peer] ?? 0) >= n).length;
    if (replicas >= majority(raft)) {
      raft.commitIndex = n;
      break;
    }
  }
  applyCommitted(raft);
  // @end
}

/**
 * Follower: the leader's commitIndex, but no further than the last entry this AppendEntries matched
 * (anything after it may still be a stale entry the leader will overwrite); never backwards.
 */
export function updateFollowerCommit(raft: Raft, leaderCommit: number, lastNewIndex: number): void {
  // @solution §3 "follow the leader's commitIndex up to the last new entry, never backwards, then apply"
  const target = Math.min(leaderCommit, lastNewIndex);
  if (target > raft.commitIndex) raft.commitIndex = target;
  applyCommitted(raft);
  // @end
}

/** Queues every committed entry not yet applied, in order, for the service (raft.ts hands them over). */
export function applyCommitted(raft: Raft): void {
  // @solution §3 "queue each committed, unapplied entry in index order, once"
  while (raft.lastApplied < raft.commitIndex) {
    const index = raft.lastApplied + 1;
    const entry = entryAt(raft, index);
    if (entry === undefined) throw new Error(`entry ${index} is committed but not in the log`);
    raft.applyQueue.push({ kind: "command", index, term: entry.term, command: entry.command });
    raft.lastApplied = index;
  }
  // @end
}
