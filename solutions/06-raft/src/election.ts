// Step 1 — leader election (Figure 2: RequestVote RPC, Rules for Servers; §5.2 and §5.4.1 of the paper).
// A follower that hears from no leader for a whole election timeout becomes a candidate, votes for
// itself in a new term and asks everyone else; a majority of votes in that term makes it leader.
import type { Env, NodeId } from "@distlab/kit/sim";
import { lastLogIndex, lastLogTerm } from "./log.ts";
import type { RaftMessage, RequestVote, RequestVoteReply } from "./messages.ts";
import { persist } from "./persistence.ts";
import { sendHeartbeats, startHeartbeatTimer } from "./replication.ts";
import { majority, type RaftState } from "./state.ts";

type Raft = RaftState<unknown>;
type RaftEnv = Env<RaftMessage>;

/**
 * The election timer fired (it fires once per election timeout, re-armed by raft.ts). A leader ignores
 * it; any other server that heard from no leader, and granted no vote, since the last firing starts an
 * election; and the period starts over.
 */
export function onElectionTimer(raft: Raft, env: RaftEnv): void {
  // @solution §1 "start an election when a whole timeout passed without a leader or a granted vote"
  if (raft.role !== "leader" && !raft.heardFromLeader) startElection(raft, env);
  raft.heardFromLeader = false;
  // @end
}

/** Becomes a candidate in a new term, votes for itself, persists that, and asks every peer for its vote. */
export function startElection(raft: Raft, env: RaftEnv): void {
  // @solution §1 "new term, vote for yourself, persist, then send RequestVote to every peer"
  raft.currentTerm++;
  raft.role = "candidate";
  raft.votedFor = raft.id;
  raft.leaderId = null;
  raft.votes = [raft.id];
  persist(raft, env);
  env.log(`candidate in term ${raft.currentTerm}`);
  if (raft.votes.length >= majority(raft)) return becomeLeader(raft, env);
  const request: RequestVote = {
    type: "RequestVote",
    term: raft.currentTerm,
    candidateId: raft.id,
    lastLogIndex: lastLogIndex(raft),
    lastLogTerm: lastLogTerm(raft),
  };
  for (const peer of raft.peers) env.send(peer, request);
  // @end
}

/**
 * The rule every handler applies first: a message from a later term means this server is behind. It
 * adopts that term, forgets its vote (a vote is per term) and becomes a follower.
 */
export function becomeFollower(raft: Raft, term: number, env: RaftEnv): void {
  // @solution §1 "adopt a later term: forget the vote, step down to follower, persist"
  if (term > raft.currentTerm) {
    raft.currentTerm = term;
    raft.votedFor = null;
    raft.leaderId = null;
    persist(raft, env);
  }
  if (raft.role !== "follower") env.log(`steps down to follower in term ${raft.currentTerm}`);
  raft.role = "follower";
  raft.votes = [];
  // @end
}

/**
 * An AppendEntries or InstallSnapshot arrived from `from`, the leader of `term` by its own account.
 * Refuses (false) a leader of an earlier term: it was deposed and must learn so from the reply. Otherwise
 * this server recognises it: adopts its term, is a follower, remembers the leader and that it heard from it.
 */
export function recognizeLeader(raft: Raft, from: NodeId, term: number, env: RaftEnv): boolean {
  // @solution §1 "refuse a leader of an earlier term; otherwise follow it and note that you heard from it"
  if (term < raft.currentTerm) return false;
  if (term > raft.currentTerm || raft.role !== "follower") becomeFollower(raft, term, env);
  raft.leaderId = from;
  raft.heardFromLeader = true;
  return true;
  // @end
}

/**
 * Grants the vote when the request is of the current term, this server has not voted for someone else
 * in that term, and the candidate's log is at least as up to date as its own (§5.4.1); persists the vote
 * before answering. Always answers, with its current term.
 */
export function handleRequestVote(raft: Raft, from: NodeId, msg: RequestVote, env: RaftEnv): void {
  // @solution §1 "grant or refuse the vote: term, one vote per term, up-to-date log; persist before replying"
  if (msg.term > raft.currentTerm) becomeFollower(raft, msg.term, env);
  const myLastTerm = lastLogTerm(raft);
  const upToDate =
    msg.lastLogTerm > myLastTerm || (msg.lastLogTerm === myLastTerm && msg.lastLogIndex >= lastLogIndex(raft));
  const grant =
    msg.term === raft.currentTerm && (raft.votedFor === null || raft.votedFor === msg.candidateId) && upToDate;
  if (grant) {
    raft.votedFor = msg.candidateId;
    raft.heardFromLeader = true;
    persist(raft, env);
  }
  const reply: RequestVoteReply = { type: "RequestVoteReply", term: raft.currentTerm, voteGranted: grant };
  env.send(from, reply);
  // @end
}

/** Counts a vote granted in the current term; a majority makes this candidate the leader. */
export function handleRequestVoteReply(raft: Raft, from: NodeId, msg: RequestVoteReply, env: RaftEnv): void {
  // @solution §1 "count votes of the current term only; become leader on a majority"
  if (msg.term > raft.currentTerm) return becomeFollower(raft, msg.term, env);
  if (raft.role !== "candidate" || msg.term !== raft.currentTerm || !msg.voteGranted) return;
  if (!raft.votes.includes(from)) raft.votes.push(from);
  if (raft.votes.length >= majority(raft)) becomeLeader(raft, env);
  // @end
}

/**
 * Takes office: every follower's nextIndex starts just past the leader's last entry (it backs up from
 * there), matchIndex at 0; then a heartbeat at once, so that the others stop their elections.
 */
export function becomeLeader(raft: Raft, env: RaftEnv): void {
  // @solution §1 "take office: initialise nextIndex and matchIndex, send heartbeats at once"
  raft.role = "leader";
  raft.leaderId = raft.id;
  raft.votes = [];
  raft.nextIndex = {};
  raft.matchIndex = {};
  for (const peer of raft.peers) {
    raft.nextIndex[peer] = lastLogIndex(raft) + 1;
    raft.matchIndex[peer] = 0;
  }
  env.log(`leader of term ${raft.currentTerm}`);
  sendHeartbeats(raft, env);
  startHeartbeatTimer(raft, env);
  // @end
}
