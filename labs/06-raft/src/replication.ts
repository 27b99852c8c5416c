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
import { todo } from "@distlab/kit/service";

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
  return todo("TODO(lab06 §2): as leader, append the command in your term, persist it and send it; otherwise refuse — see labs/06-raft/README.md, step 2");
}

/**
 * Sends `peer` what it is missing from its nextIndex on (at most maxEntriesPerMessage entries), after the
 * entry it must already hold, with the leader's commitIndex, and moves nextIndex past them. When that
 * entry is already compacted into the snapshot, the peer gets the snapshot instead (step 5).
 */
export function sendAppendEntries(raft: Raft, peer: NodeId, env: RaftEnv): void {
  return todo("TODO(lab06 §2): build AppendEntries from the peer's nextIndex (or send the snapshot when it is compacted) — see labs/06-raft/README.md, step 2");
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
  return todo("TODO(lab06 §2): consistency check with conflict term and index; append without cutting matching entries — see labs/06-raft/README.md, step 2");
}

/**
 * The leader's side of a reply. Success: the follower matches up to matchIndex (never go back: replies
 * can arrive out of order), which may commit more; send the rest if it is still behind. Failure: back
 * nextIndex up past the whole conflicting term at once (the fast backup), and try again.
 */
export function handleAppendEntriesReply(raft: Raft, from: NodeId, msg: AppendEntriesReply, env: RaftEnv): void {
  return todo("TODO(lab06 §2): success: raise matchIndex and nextIndex, commit; failure: fast backup and resend — see labs/06-raft/README.md, step 2");
}
