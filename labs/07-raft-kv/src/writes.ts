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
import { todo } from "@distlab/kit/service";

/** A client's write reached this server, which leads: answer a retry from the session, or queue it. */
export function handleWrite(state: KvServerState, from: NodeId, request: Request, env: ServerEnv): void {
  return todo("TODO(lab07 §2): answer a retry of the last applied request from the session; ignore older ones; else wait for it and queue it once — see labs/07-raft-kv/README.md, step 2");
}

/** Hands the queued writes to Raft as one entry, when this server leads and no entry of its is in flight. */
export function proposeIfIdle(state: KvServerState, env: ServerEnv): void {
  return todo("TODO(lab07 §2): with nothing in flight, start one batch entry with every queued write — see labs/07-raft-kv/README.md, step 2");
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
  return todo("TODO(lab07 §2): a new term as leader: drop the old term's bookkeeping, start a noop; not leading any more: tell every waiting client — see labs/07-raft-kv/README.md, step 2");
}
