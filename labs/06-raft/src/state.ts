// A Raft server's whole state, as plain data: what Figure 2 lists, plus the bookkeeping this kit adds
// (role, who the leader is, the votes a candidate has, the applies waiting for the service). Nothing is
// hidden in closures, so the simulator can replay it, a test can read it and a search can compare it.
import type { NodeId } from "@distlab/kit/sim";
import type { LogEntry } from "./messages.ts";

export type Role = "follower" | "candidate" | "leader";

/** How a cluster is set up. Every server of a cluster gets the same one. */
export interface RaftConfig {
  /** Every server of the cluster, this one included, in the same order everywhere. */
  servers: NodeId[];
  /** An election timeout is drawn uniformly in [min, max] ms each time the timer is armed. */
  electionTimeoutMs?: [number, number];
  /** How often a leader sends AppendEntries to each follower, entries or not. */
  heartbeatMs?: number;
  /** The most entries one AppendEntries carries (a follower far behind catches up in several). */
  maxEntriesPerMessage?: number;
}

export const DEFAULT_ELECTION_TIMEOUT_MS: [number, number] = [300, 600];
export const DEFAULT_HEARTBEAT_MS = 100;
export const DEFAULT_MAX_ENTRIES = 64;

/** Timer names. The election timer is always armed; the heartbeat timer only on a leader. */
export const ELECTION_TIMER = "election";
export const HEARTBEAT_TIMER = "heartbeat";

/** What Raft hands the service sitting on top of it, in log order (MIT's ApplyMsg). */
export type ApplyMsg<C = unknown> =
  | { kind: "command"; index: number; term: number; command: C }
  | { kind: "snapshot"; index: number; term: number; data: unknown };

export interface RaftState<C = unknown> {
  id: NodeId;
  /** The other servers. */
  peers: NodeId[];
  electionTimeoutMs: [number, number];
  heartbeatMs: number;
  maxEntriesPerMessage: number;

  // Persistent state (Figure 2): on storage before answering anyone.
  currentTerm: number;
  votedFor: NodeId | null;
  /** The entries after the snapshot: log[0] has index snapshotIndex + 1. */
  log: LogEntry<C>[];
  /** The last index the snapshot covers, and its term (0 and 0 without a snapshot). */
  snapshotIndex: number;
  snapshotTerm: number;

  // Volatile state.
  role: Role;
  /** The leader of currentTerm, once this server knows it. */
  leaderId: NodeId | null;
  commitIndex: number;
  lastApplied: number;
  /**
   * Heard from a current leader, or granted a vote, since the election timer last fired. The timer fires
   * every election timeout; a follower that heard nothing in a whole period starts an election.
   */
  heardFromLeader: boolean;
  /** Candidate: the servers that granted their vote in currentTerm, this one included. */
  votes: NodeId[];
  /** Leader: the next index to send to each peer, and the highest index known replicated on it. */
  nextIndex: Record<NodeId, number>;
  matchIndex: Record<NodeId, number>;

  /** Committed entries and installed snapshots not yet taken by the service (see takeApplies in raft.ts). */
  applyQueue: ApplyMsg<C>[];
}

/** A fresh server that has never run: term 0, empty log, follower. */
export function newRaftState<C>(id: NodeId, config: RaftConfig): RaftState<C> {
  if (!config.servers.includes(id))
    throw new Error(`server "${id}" is not in its own cluster (servers: ${config.servers.join(", ")})`);
  const [min, max] = config.electionTimeoutMs ?? DEFAULT_ELECTION_TIMEOUT_MS;
  if (!(min > 0 && max >= min)) throw new RangeError(`electionTimeoutMs must be [min, max] with 0 < min ≤ max`);
  return {
    id,
    peers: config.servers.filter((server) => server !== id),
    electionTimeoutMs: [min, max],
    heartbeatMs: config.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    maxEntriesPerMessage: config.maxEntriesPerMessage ?? DEFAULT_MAX_ENTRIES,
    currentTerm: 0,
    votedFor: null,
    log: [],
    snapshotIndex: 0,
    snapshotTerm: 0,
    role: "follower",
    leaderId: null,
    commitIndex: 0,
    lastApplied: 0,
    heardFromLeader: false,
    votes: [],
    nextIndex: {},
    matchIndex: {},
    applyQueue: [],
  };
}

/** More than half of the cluster. */
export function majority(raft: RaftState<unknown>): number {
  return Math.floor((raft.peers.length + 1) / 2) + 1;
}
