// Step 5 — snapshots and log compaction (§7 and Figure 13 of the paper). The service hands Raft a
// snapshot of its state up to an index it has applied; Raft drops the entries the snapshot covers and
// keeps the rest. A follower too far behind for the leader's log gets the snapshot itself.
import type { Env, NodeId } from "@distlab/kit/sim";
import { advanceCommitIndex } from "./commit.ts";
import { becomeFollower, recognizeLeader } from "./election.ts";
import { lastLogIndex, termAt } from "./log.ts";
import type { InstallSnapshot, InstallSnapshotReply, RaftMessage } from "./messages.ts";
import { persist, SNAPSHOT_KEY } from "./persistence.ts";
import { sendAppendEntries } from "./replication.ts";
import type { RaftState } from "./state.ts";

type Raft = RaftState<unknown>;
type RaftEnv = Env<RaftMessage>;

/**
 * The service's snapshot of everything up to `index` (which it has applied): stores the data, drops the
 * entries up to `index` and keeps every entry after it, committed or not, then persists. An index the
 * snapshot already covers is ignored; one past what was applied is a bug in the service.
 */
export function snapshot(raft: Raft, index: number, data: unknown, env: RaftEnv): void {
  if (index > raft.lastApplied)
    throw new RangeError(`snapshot(${index}): only entries up to lastApplied (${raft.lastApplied}) can be compacted`);
  if (index <= raft.snapshotIndex) return;
  // @solution §5 "store the data, drop the entries up to index, keep the ones after it, persist"
  const term = termAt(raft, index) as number;
  raft.log = raft.log.slice(index - raft.snapshotIndex);
  raft.snapshotIndex = index;
  raft.snapshotTerm = term;
  env.storage.set(SNAPSHOT_KEY, data);
  persist(raft, env);
  // @end
}

/** Sends `peer` the leader's snapshot, for a peer whose nextIndex falls inside it. */
export function sendInstallSnapshot(raft: Raft, peer: NodeId, env: RaftEnv): void {
  // @solution §5 "send the snapshot with its last included index and term"
  const request: InstallSnapshot = {
    type: "InstallSnapshot",
    term: raft.currentTerm,
    leaderId: raft.id,
    lastIncludedIndex: raft.snapshotIndex,
    lastIncludedTerm: raft.snapshotTerm,
    data: env.storage.get(SNAPSHOT_KEY),
  };
  env.send(peer, request);
  // @end
}

/** A follower's side of InstallSnapshot: recognise the leader (step 1), install (below), answer. */
export function handleInstallSnapshot(raft: Raft, from: NodeId, msg: InstallSnapshot, env: RaftEnv): void {
  if (recognizeLeader(raft, from, msg.term, env)) installSnapshot(raft, msg, env);
  const reply: InstallSnapshotReply = {
    type: "InstallSnapshotReply",
    term: raft.currentTerm,
    lastIncludedIndex: msg.lastIncludedIndex,
  };
  env.send(from, reply);
}

/**
 * Installs a snapshot that is ahead of what this server has committed (an older one changes nothing):
 * keeps the log after it when the log holds its last entry with the same term, drops the whole log
 * otherwise; stores and persists it; the service gets it next (it replaces all it applied).
 */
export function installSnapshot(raft: Raft, msg: InstallSnapshot, env: RaftEnv): void {
  // @solution §5 "install a newer snapshot: keep the matching suffix, persist, hand it to the service"
  if (msg.lastIncludedIndex <= raft.commitIndex) return;
  const keepsSuffix = termAt(raft, msg.lastIncludedIndex) === msg.lastIncludedTerm;
  raft.log = keepsSuffix ? raft.log.slice(msg.lastIncludedIndex - raft.snapshotIndex) : [];
  raft.snapshotIndex = msg.lastIncludedIndex;
  raft.snapshotTerm = msg.lastIncludedTerm;
  raft.commitIndex = msg.lastIncludedIndex;
  raft.lastApplied = msg.lastIncludedIndex;
  env.storage.set(SNAPSHOT_KEY, msg.data);
  persist(raft, env);
  raft.applyQueue.push({ kind: "snapshot", index: msg.lastIncludedIndex, term: msg.lastIncludedTerm, data: msg.data });
  // @end
}

/** The leader's side: the follower now holds everything up to the snapshot; send it the rest. */
export function handleInstallSnapshotReply(raft: Raft, from: NodeId, msg: InstallSnapshotReply, env: RaftEnv): void {
  // @solution §5 "raise the follower's matchIndex and nextIndex to the snapshot, then send what follows"
  if (msg.term > raft.currentTerm) return becomeFollower(raft, msg.term, env);
  if (raft.role !== "leader" || msg.term !== raft.currentTerm) return;
  if (msg.lastIncludedIndex > (raft.matchIndex[from] ?? 0)) {
    raft.matchIndex[from] = msg.lastIncludedIndex;
    advanceCommitIndex(raft, env);
  }
  raft.nextIndex[from] = Math.max(raft.nextIndex[from] ?? 1, (raft.matchIndex[from] ?? 0) + 1);
  if ((raft.nextIndex[from] ?? 1) <= lastLogIndex(raft)) sendAppendEntries(raft, from, env);
  // @end
}
