// Step 1 — leader election (Figure 2: RequestVote RPC, Rules for Servers; §5.2 and §5.4.1 of the paper).
// A follower that hears from no leader for a whole election timeout becomes a candidate, votes for
// itself in a new term and asks everyone else; a majority of votes in that term makes it leader.
import type { Env, NodeId } from "@distlab/kit/sim";
import { lastLogIndex, lastLogTerm } from "./log.ts";
import type { RaftMessage, RequestVote, RequestVoteReply } from "./messages.ts";
import { persist } from "./persistence.ts";
import { sendHeartbeats, startHeartbeatTimer } from "./replication.ts";
import { majority, type RaftState } from "./state.ts";
import { todo } from "@distlab/kit/service";

type Raft = RaftState<unknown>;
type RaftEnv = Env<RaftMessage>;

/**
 * The election timer fired (it fires once per election timeout, re-armed by raft.ts). A leader ignores
 * it; any other server that heard from no leader, and granted no vote, since the last firing starts an
 * election; and the period starts over.
 */
export function onElectionTimer(raft: Raft, env: RaftEnv): void {
  return todo("TODO(lab06 §1): start an election when a whole timeout passed without a leader or a granted vote — see labs/06-raft/README.md, step 1");
}

/** Becomes a candidate in a new term, votes for itself, persists that, and asks every peer for its vote. */
export function startElection(raft: Raft, env: RaftEnv): void {
  return todo("TODO(lab06 §1): new term, vote for yourself, persist, then send RequestVote to every peer — see labs/06-raft/README.md, step 1");
}

/**
 * The rule every handler applies first: a message from a later term means this server is behind. It
 * adopts that term, forgets its vote (a vote is per term) and becomes a follower.
 */
export function becomeFollower(raft: Raft, term: number, env: RaftEnv): void {
  return todo("TODO(lab06 §1): adopt a later term: forget the vote, step down to follower, persist — see labs/06-raft/README.md, step 1");
}

/**
 * An AppendEntries or InstallSnapshot arrived from `from`, the leader of `term` by its own account.
 * Refuses (false) a leader of an earlier term: it was deposed and must learn so from the reply. Otherwise
 * this server recognises it: adopts its term, is a follower, remembers the leader and that it heard from it.
 */
export function recognizeLeader(raft: Raft, from: NodeId, term: number, env: RaftEnv): boolean {
  return todo("TODO(lab06 §1): refuse a leader of an earlier term; otherwise follow it and note that you heard from it — see labs/06-raft/README.md, step 1");
}

/**
 * Grants the vote when the request is of the current term, this server has not voted for someone else
 * in that term, and the candidate's log is at least as up to date as its own (§5.4.1); persists the vote
 * before answering. Always answers, with its current term.
 */
export function handleRequestVote(raft: Raft, from: NodeId, msg: RequestVote, env: RaftEnv): void {
  return todo("TODO(lab06 §1): grant or refuse the vote: term, one vote per term, up-to-date log; persist before replying — see labs/06-raft/README.md, step 1");
}

/** Counts a vote granted in the current term; a majority makes this candidate the leader. */
export function handleRequestVoteReply(raft: Raft, from: NodeId, msg: RequestVoteReply, env: RaftEnv): void {
  return todo("TODO(lab06 §1): count votes of the current term only; become leader on a majority — see labs/06-raft/README.md, step 1");
}

/**
 * Takes office: every follower's nextIndex starts just past the leader's last entry (it backs up from
 * there), matchIndex at 0; then a heartbeat at once, so that the others stop their elections.
 */
export function becomeLeader(raft: Raft, env: RaftEnv): void {
  return todo("TODO(lab06 §1): take office: initialise nextIndex and matchIndex, send heartbeats at once — see labs/06-raft/README.md, step 1");
}
