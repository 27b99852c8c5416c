// Step 2 — log replication (Figure 2: AppendEntries RPC; §5.3). The leader appends a client's command
// to its log and sends each follower the entries from that follower's nextIndex on, with the index and
// term of the entry just before them; a follower accepts only if its log holds that entry (the
// consistency check), so logs that agree at one index agree on everything before it.
import type { Env, NodeId } from "@distlab/kit/sim";
import { advanceCommitIndex, updateFollowerCommit } from "./commit.ts";
import { becomeFollower, recognizeLeader } from "./election.ts";
import { entriesFrom, firstIndexOfTerm, lastIndexOfTerm, lastLogIndex, termAt, truncateFrom } from "./log.ts";
import type { AppendEntries, AppendEntriesReply, RaftMessage } from "./messages.ts";
import { persist } from "./persistence.ts";
import { sendInstallSnapshot } from "./snapshot.ts";
import { HEARTBEAT_TIMER, type RaftState } from "./state.ts";

type Raft = RaftState<unknown>;
type RaftEnv = Env<RaftMessage>;

/** What start() answers: where the command will be if it commits, and whether this server could take it. */
export interface StartResult {
  index: number;
  term: number;
  isLeader: boolean;
}

/** Arms the leader's heartbeat timer; its payload is the term, so a timer left from an earlier term does nothing. */
export function startHeartbeatTimer(raft: Raft, env: RaftEnv): void {
  env.setTimer(HEARTBEAT_TIMER, raft.heartbeatMs, { term: raft.currentTerm });
}

/** The heartbeat timer fired: a leader still in the timer's term sends to everyone and re-arms it. */
export function onHeartbeatTimer(raft: Raft, term: number, env: RaftEnv): void {
  if (raft.role !== "leader" || raft.currentTerm !== term) return;
  sendHeartbeats(raft, env);
  startHeartbeatTimer(raft, env);
}

/** One AppendEntries to every peer: entries for those behind, an empty one (a heartbeat) for the others. */
export function sendHeartbeats(raft: Raft, env: RaftEnv): void {
  for (const peer of raft.peers) sendAppendEntries(raft, peer, env);
}

/**
 * The client's command, if this server is the leader: appended to its log in its term, persisted, and
 * sent to the followers at once. Anyone else answers isLeader: false and changes nothing.
 */
export function start<C>(raft: RaftState<C>, command: C, env: RaftEnv): StartResult {
  // @solution §2 "as leader, append the command in your term, persist it and send it; otherwise refuse"
  if (raft.role !== "leader") return { index: -1, term: raft.currentTerm, isLeader: false };
  const index = lastLogIndex(raft) + 1;
  raft.log.push({ index, term: raft.currentTerm, command });
  persist(raft, env);
  sendHeartbeats(raft, env);
  advanceCommitIndex(raft, env);
  return { index, term: raft.currentTerm, isLeader: true };
  // @end
}

/**
 * Sends `peer` what it is missing from its nextIndex on (at most maxEntriesPerMessage entries), after the
 * entry it must already hold, with the leader's commitIndex, and moves nextIndex past them. When that
 * entry is already compacted into the snapshot, the peer gets the snapshot instead (step 5).
 */
export function sendAppendEntries(raft: Raft, peer: NodeId, env: RaftEnv): void {
  // @solution §2 "build AppendEntries from the peer's nextIndex (or send the snapshot when it is compacted)"
  const next = raft.nextIndex[peer] ?? lastLogIndex(raft) + 1;
  if (next <= raft.snapshotIndex) return sendInstallSnapshot(raft, peer, env);
  const request: AppendEntries = {
    type: "AppendEntries",
    term: raft.currentTerm,
    leaderId: raft.id,
    prevLogIndex: next - 1,
    prevLogTerm: termAt(raft, next - 1) ?? 0,
    entries: entriesFrom(raft, next, raft.maxEntriesPerMessage),
    leaderCommit: raft.commitIndex,
  };
  env.send(peer, request);
  // Pipelining: the next AppendEntries carries what follows these entries, not them again; if they are
  // lost, the follower refuses the next one and nextIndex backs up.
  raft.nextIndex[peer] = next + request.entries.length;
  // @end
}

/** A follower's side of AppendEntries: recognise the leader (step 1), then check and append (step 2). */
export function handleAppendEntries(raft: Raft, from: NodeId, msg: AppendEntries, env: RaftEnv): void {
  if (!recognizeLeader(raft, from, msg.term, env)) {
    const refusal: AppendEntriesReply = {
      type: "AppendEntriesReply",
      term: raft.currentTerm,
      success: false,
      matchIndex: 0,
      conflictTerm: 0,
      conflictIndex: 0,
    };
    return env.send(from, refusal);
  }
  env.send(from, appendFromLeader(raft, msg, env));
}

/**
 * The consistency check, then the append: refuses when the log does not hold prevLogIndex with
 * prevLogTerm (saying where the leader should back up to); otherwise removes a conflicting suffix — and
 * only a conflicting one: an old, delayed AppendEntries must not cut entries a newer one added — appends
 * what is new, persists, and moves commitIndex (step 3).
 */
export function appendFromLeader(raft: Raft, msg: AppendEntries, env: RaftEnv): AppendEntriesReply {
  // @solution §2 "consistency check with conflict term and index; append without cutting matching entries"
  const reply = (success: boolean, matchIndex: number, conflictTerm = 0, conflictIndex = 0): AppendEntriesReply => ({
    type: "AppendEntriesReply",
    term: raft.currentTerm,
    success,
    matchIndex,
    conflictTerm,
    conflictIndex,
  });
  const last = lastLogIndex(raft);
  if (msg.prevLogIndex > last) return reply(false, 0, 0, last + 1);
  if (msg.prevLogIndex >= raft.snapshotIndex) {
    const term = termAt(raft, msg.prevLogIndex) as number;
    if (term !== msg.prevLogTerm) {
      return reply(false, 0, term, firstIndexOfTerm(raft, term) ?? msg.prevLogIndex);
    }
  }
  let changed = false;
  for (const entry of msg.entries) {
    // Entries up to the snapshot are committed, so they match the leader's: nothing to check there.
    if (entry.index <= raft.snapshotIndex) continue;
    const existing = termAt(raft, entry.index);
    if (existing === entry.term) continue;
    if (existing !== undefined) truncateFrom(raft, entry.index);
    raft.log.push(entry);
    changed = true;
  }
  if (changed) persist(raft, env);
  const matchIndex = msg.prevLogIndex + msg.entries.length;
  updateFollowerCommit(raft, msg.leaderCommit, matchIndex);
  return reply(true, matchIndex);
  // @end
}

/**
 * The leader's side of a reply. Success: the follower matches up to matchIndex (never go back: replies
 * can arrive out of order), which may commit more; send the rest if it is still behind. Failure: back
 * nextIndex up past the whole conflicting term at once (the fast backup), and try again.
 */
export function handleAppendEntriesReply(raft: Raft, from: NodeId, msg: AppendEntriesReply, env: RaftEnv): void {
  // @solution §2 "success: raise matchIndex and nextIndex, commit; failure: fast backup and resend"
  if (msg.term > raft.currentTerm) return becomeFollower(raft, msg.term, env);
  if (raft.role !== "leader" || msg.term !== raft.currentTerm) return;
  const match = raft.matchIndex[from] ?? 0;
  const last = lastLogIndex(raft);
  if (msg.success) {
    if (msg.matchIndex > match) {
      raft.matchIndex[from] = msg.matchIndex;
      advanceCommitIndex(raft, env);
    }
    raft.nextIndex[from] = Math.max(raft.nextIndex[from] ?? 1, (raft.matchIndex[from] ?? 0) + 1);
    if ((raft.nextIndex[from] ?? 1) <= last) sendAppendEntries(raft, from, env);
    return;
  }
  let next = msg.conflictIndex;
  if (msg.conflictTerm > 0) {
    const lastOfTerm = lastIndexOfTerm(raft, msg.conflictTerm);
    if (lastOfTerm !== undefined) next = lastOfTerm + 1;
  }
  raft.nextIndex[from] = Math.min(Math.max(next, match + 1), last + 1);
  sendAppendEntries(raft, from, env);
  // @end
}
