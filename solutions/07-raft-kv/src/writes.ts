// Step 2 — writes through the log. Only the leader takes a write: it remembers who to answer, and hands
// the write to Raft with the others that arrived meanwhile, one entry at a time — the next entry leaves
// when the one in flight is applied, so a busy leader sends few, full entries instead of many small ones
// (the batching etcd does). A retry of a write already applied is answered from the session table at once.
// A leader that loses its office says so to everyone it still owes an answer, so their clerks move on.
import { start } from "@distlab/lab/06-raft/raft.ts";
import type { RaftMessage } from "@distlab/lab/06-raft/raft.ts";
import type { Env, NodeId } from "@distlab/kit/sim";
import { requestKey } from "./apply.ts";
import type { Command, Request } from "./messages.ts";
import { failReads } from "./reads.ts";
import type { KvServerState, ServerEnv } from "./server.ts";

/** A client's write reached this server, which leads: answer a retry from the session, or queue it. */
export function handleWrite(state: KvServerState, from: NodeId, request: Request, env: ServerEnv): void {
  // @solution §2 "answer a retry of the last applied request from the session; ignore older ones; else wait for it and queue it once"
  const session = Object.hasOwn(state.sessions, request.client) ? state.sessions[request.client] : undefined;
  if (session !== undefined && session.seq === request.seq) {
    env.send(from, { type: "reply", seq: request.seq, result: session.result });
    return;
  }
  if (session !== undefined && session.seq > request.seq) return;
  const key = requestKey(request);
  const queued = Object.hasOwn(state.waitingWrites, key);
  state.waitingWrites[key] = from;
  if (!queued) state.proposals.push(request);
  // @end
}

/** Hands the queued writes to Raft as one entry, when this server leads and no entry of its is in flight. */
export function proposeIfIdle(state: KvServerState, env: ServerEnv): void {
  // @solution §2 "with nothing in flight, start one batch entry with every queued write"
  if (state.raft.role !== "leader" || state.inFlight !== 0 || state.proposals.length === 0) return;
  propose(state, { type: "batch", requests: state.proposals }, env);
  state.proposals = [];
  // @end
}

function propose(state: KvServerState, command: Command, env: ServerEnv): void {
  const started = start(state.raft, command, env as Env<RaftMessage>);
  if (started.isLeader) state.inFlight = started.index;
}

/**
 * Takes on or gives up the leadership, after Raft changed its mind: a new leader starts an empty entry of
 * its term (reads wait for it, and entries of earlier terms commit with it); a server that stopped leading
 * tells every client it owes an answer who leads now, and drops what it had not handed to Raft.
 */
export function observeLeadership(state: KvServerState, env: ServerEnv): void {
  const raft = state.raft;
  const leads = raft.role === "leader";
  if (leads && state.leaderTerm === raft.currentTerm) return;
  if (!leads && state.leaderTerm === 0) return;
  // @solution §2 "a new term as leader: drop the old term's bookkeeping, start a noop; not leading any more: tell every waiting client"
  for (const [key, caller] of Object.entries(state.waitingWrites)) {
    const seq = Number(key.slice(key.lastIndexOf(" ") + 1));
    env.send(caller, { type: "notLeader", seq, leader: raft.leaderId === raft.id ? null : raft.leaderId });
  }
  state.waitingWrites = {};
  state.proposals = [];
  state.inFlight = 0;
  failReads(state, env);
  state.leaderTerm = leads ? raft.currentTerm : 0;
  if (leads) propose(state, { type: "noop" }, env);
  // @end
}
