// Every message Raft servers exchange: the two RPCs of the paper's Figure 2 and InstallSnapshot (Figure
// 13), each as a request and a reply. They are small plain values; a server never shares memory with
// another, it only sends these.
import type { NodeId } from "@distlab/kit/sim";

export type { NodeId };

/** One slot of the replicated log. `index` starts at 1; `term` is the leader's term when it was created. */
export interface LogEntry<C = unknown> {
  index: number;
  term: number;
  command: C;
}

/** Sent by a candidate to every other server: "vote for me in `term`". */
export interface RequestVote {
  type: "RequestVote";
  term: number;
  candidateId: NodeId;
  /** Index and term of the candidate's last log entry: the voter refuses a candidate less up to date than itself. */
  lastLogIndex: number;
  lastLogTerm: number;
}

export interface RequestVoteReply {
  type: "RequestVoteReply";
  /** The voter's current term, so that a stale candidate learns it is behind. */
  term: number;
  voteGranted: boolean;
}

/** Sent by the leader: new entries to append after `prevLogIndex`, or none (a heartbeat). */
export interface AppendEntries<C = unknown> {
  type: "AppendEntries";
  term: number;
  leaderId: NodeId;
  prevLogIndex: number;
  prevLogTerm: number;
  entries: LogEntry<C>[];
  /** The leader's commitIndex. */
  leaderCommit: number;
}

/**
 * The follower's answer. A reply may arrive late, twice, or after a newer one, so it says what it is about:
 * on success, the index up to which the follower's log now matches the leader's; on failure, where the
 * leader should try next (the "fast backup" of the handout, step 2).
 */
export interface AppendEntriesReply {
  type: "AppendEntriesReply";
  term: number;
  success: boolean;
  /** On success: prevLogIndex + entries.length of the request this answers. */
  matchIndex: number;
  /** On failure: the term of the follower's entry at prevLogIndex, or 0 when its log is too short. */
  conflictTerm: number;
  /** On failure: the first index the follower holds with conflictTerm, or its log length + 1 when too short. */
  conflictIndex: number;
}

/** Sent by the leader to a follower that needs entries the leader has already compacted into its snapshot. */
export interface InstallSnapshot {
  type: "InstallSnapshot";
  term: number;
  leaderId: NodeId;
  /** The snapshot replaces every entry up to and including this index... */
  lastIncludedIndex: number;
  /** ...whose term was this. */
  lastIncludedTerm: number;
  /** The service's snapshot, as the service gave it to snapshot(). */
  data: unknown;
}

export interface InstallSnapshotReply {
  type: "InstallSnapshotReply";
  term: number;
  /** The lastIncludedIndex of the snapshot this answers. */
  lastIncludedIndex: number;
}

export type RaftMessage<C = unknown> =
  RequestVote | RequestVoteReply | AppendEntries<C> | AppendEntriesReply | InstallSnapshot | InstallSnapshotReply;

const RAFT_MESSAGE_TYPES: ReadonlySet<string> = new Set([
  "RequestVote",
  "RequestVoteReply",
  "AppendEntries",
  "AppendEntriesReply",
  "InstallSnapshot",
  "InstallSnapshotReply",
]);

/** True for the messages Raft servers send each other (a node may receive other messages too). */
export function isRaftMessage(msg: unknown): msg is RaftMessage {
  const type = (msg as { type?: unknown } | null)?.type;
  return typeof type === "string" && RAFT_MESSAGE_TYPES.has(type);
}
