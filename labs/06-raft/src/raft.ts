// The Raft library, as a service built on it uses it (Lab 07's KV does): create a server, hand it every
// Raft message and timer the node receives, start() commands, take what was committed, give it
// snapshots. Raft talks to the world only through the node's env, so a service shares one node and one
// env with it. This file routes; the steps of the handout live in the files it imports.
import type { Env, NodeId, Timer } from "@distlab/kit/sim";
import { onElectionTimer, handleRequestVote, handleRequestVoteReply } from "./election.ts";
import { isRaftMessage, type RaftMessage } from "./messages.ts";
import { restorePersisted } from "./persistence.ts";
import { handleAppendEntries, handleAppendEntriesReply, onHeartbeatTimer, start } from "./replication.ts";
import { handleInstallSnapshot, handleInstallSnapshotReply, snapshot } from "./snapshot.ts";
import {
  ELECTION_TIMER,
  HEARTBEAT_TIMER,
  newRaftState,
  type ApplyMsg,
  type RaftConfig,
  type RaftState,
  type Role,
} from "./state.ts";

export type { ApplyMsg, RaftConfig, RaftMessage, RaftState, Role };
export type { LogEntry } from "./messages.ts";
export type { StartResult } from "./replication.ts";
export { isRaftMessage, snapshot, start };

/**
 * A server starting (or restarting after a crash): a fresh state, then whatever it had persisted, and its
 * election timer. If it had a snapshot, the first thing takeApplies() returns is that snapshot.
 */
export function initRaft<C = unknown>(env: Env<RaftMessage>, config: RaftConfig): RaftState<C> {
  const raft = newRaftState<C>(env.id, config);
  // A server that never ran has nothing to read back (and until step 4 is written, nothing is saved).
  if (env.storage.keys().length > 0) restorePersisted(raft as RaftState<unknown>, env);
  armElectionTimer(raft as RaftState<unknown>, env);
  return raft;
}

/** Arms the election timer for a fresh random timeout, so that servers rarely time out together. */
export function armElectionTimer(raft: RaftState<unknown>, env: Env<RaftMessage>): void {
  const [min, max] = raft.electionTimeoutMs;
  env.setTimer(ELECTION_TIMER, min + Math.floor(env.random() * (max - min + 1)));
}

/** Hands Raft one of its messages. */
export function raftOnMessage(raft: RaftState<unknown>, from: NodeId, msg: RaftMessage, env: Env<RaftMessage>): void {
  switch (msg.type) {
    case "RequestVote":
      return handleRequestVote(raft, from, msg, env);
    case "RequestVoteReply":
      return handleRequestVoteReply(raft, from, msg, env);
    case "AppendEntries":
      return handleAppendEntries(raft, from, msg, env);
    case "AppendEntriesReply":
      return handleAppendEntriesReply(raft, from, msg, env);
    case "InstallSnapshot":
      return handleInstallSnapshot(raft, from, msg, env);
    case "InstallSnapshotReply":
      return handleInstallSnapshotReply(raft, from, msg, env);
  }
}

/** Hands Raft a timer; false when the timer is not one of Raft's (the service's own timers). */
export function raftOnTimer(raft: RaftState<unknown>, timer: Timer, env: Env<RaftMessage>): boolean {
  if (timer.name === ELECTION_TIMER) {
    armElectionTimer(raft, env);
    onElectionTimer(raft, env);
    return true;
  }
  if (timer.name === HEARTBEAT_TIMER) {
    onHeartbeatTimer(raft, (timer.payload as { term: number }).term, env);
    return true;
  }
  return false;
}

/** Everything committed (and any snapshot installed) since the last call, in order; the service applies them. */
export function takeApplies<C>(raft: RaftState<C>): ApplyMsg<C>[] {
  const applies = raft.applyQueue;
  raft.applyQueue = [];
  return applies;
}

/** MIT's GetState(): the current term and whether this server believes it is the leader. */
export function getState(raft: RaftState<unknown>): { term: number; isLeader: boolean } {
  return { term: raft.currentTerm, isLeader: raft.role === "leader" };
}
