// Step 3 — linearizable reads without the log (read-index, §6.4 of the Raft dissertation). A read must see
// every write completed before it began. The leader's commit index covers them all — once the leader has
// committed an entry of its own term — but a leader may have been deposed without knowing it. So the
// leader notes the commit index (the read index), then confirms it still leads: a majority answers a
// probe sent after the read arrived with the leader's own term, so no later leader existed then. Once its
// state machine has applied the read index, it answers from it. Reads arriving while a probe round is in
// flight share the next round.
import { termAt } from "@distlab/lab/06-raft/log.ts";
import { applyOperation } from "@distlab/lab/05-primary-backup/operations.ts";
import type { NodeId } from "@distlab/kit/sim";
import { READ_PROBE_RETRY_MS, type ReadProbe, type ReadProbeAck, type Request } from "./messages.ts";
import type { KvServerState, ServerEnv } from "./server.ts";

export const READ_PROBE_TIMER = "readProbe";

/** True once this leader has committed an entry of its own term: its commit index is then complete. */
export function committedInTerm(state: KvServerState): boolean {
  return termAt(state.raft, state.raft.commitIndex) === state.raft.currentTerm;
}

/** A read reached this server, which leads: it waits for the next probe round and for its read index. */
export function handleRead(state: KvServerState, from: NodeId, request: Request, env: ServerEnv): void {
  // @solution §3 "note the read index (when committed in this term), wait for a probe round started after now"
  const reads = state.reads;
  const inFlight = reads.started > reads.confirmed;
  const readIndex = committedInTerm(state) ? state.raft.commitIndex : -1;
  reads.waiting.push({ from, seq: request.seq, op: request.op, readIndex, round: reads.started + 1 });
  if (!inFlight) startProbeRound(state, env);
  // @end
}

/** Asks every peer for its term; this server counts as the first acknowledgement. */
export function startProbeRound(state: KvServerState, env: ServerEnv): void {
  // @solution §3 "next round: count yourself, probe every peer with your term, arm the resend timer"
  const reads = state.reads;
  reads.started++;
  reads.acks = [state.raft.id];
  if (reads.acks.length > (state.raft.peers.length + 1) / 2) confirmRound(state, env);
  else sendProbes(state, env);
  // @end
}

function sendProbes(state: KvServerState, env: ServerEnv): void {
  const probe: ReadProbe = { type: "readProbe", term: state.raft.currentTerm, round: state.reads.started };
  for (const peer of state.raft.peers) if (!state.reads.acks.includes(peer)) env.send(peer, probe);
  if (state.reads.timer !== null) env.cancelTimer(state.reads.timer);
  state.reads.timer = env.setTimer(READ_PROBE_TIMER, READ_PROBE_RETRY_MS, { round: state.reads.started });
}

/** A majority acknowledged the round in flight: the reads waiting for it may go once applied. */
function confirmRound(state: KvServerState, env: ServerEnv): void {
  state.reads.confirmed = state.reads.started;
  if (state.reads.timer !== null) env.cancelTimer(state.reads.timer);
  state.reads.timer = null;
}

/** Probes lost on the way: send the round's probes again to those that did not answer. */
export function onReadProbeTimer(state: KvServerState, payload: { round: number }, env: ServerEnv): void {
  const reads = state.reads;
  if (state.raft.role !== "leader" || payload.round !== reads.started || reads.confirmed >= reads.started) return;
  sendProbes(state, env);
}

/** Any server answers a probe with its current term. */
export function handleReadProbe(state: KvServerState, from: NodeId, probe: ReadProbe, env: ServerEnv): void {
  const ack: ReadProbeAck = { type: "readProbeAck", term: state.raft.currentTerm, round: probe.round };
  env.send(from, ack);
}

/** An answer to the round in flight, in this leader's term, counts; a majority confirms the round. */
export function handleReadProbeAck(state: KvServerState, from: NodeId, ack: ReadProbeAck, env: ServerEnv): void {
  // @solution §3 "count acks of the current round in your own term; a majority confirms the round"
  const reads = state.reads;
  if (state.raft.role !== "leader" || ack.term !== state.raft.currentTerm) return;
  if (ack.round !== reads.started || reads.confirmed >= reads.started) return;
  if (!reads.acks.includes(from)) reads.acks.push(from);
  const cluster = state.raft.peers.length + 1;
  if (reads.acks.length > cluster / 2) confirmRound(state, env);
  // @end
}

/**
 * Answers every read whose round is confirmed and whose read index is applied; gives reads that arrived
 * before the leader committed in its term their read index; starts the round that later reads wait for.
 */
export function serveReads(state: KvServerState, env: ServerEnv): void {
  const reads = state.reads;
  if (state.raft.role !== "leader" || reads.waiting.length === 0) return;
  // @solution §3 "assign missing read indexes; answer reads confirmed and applied; start the next round if some wait for it"
  const complete = committedInTerm(state);
  const still = [];
  for (const read of reads.waiting) {
    if (read.readIndex < 0 && complete) read.readIndex = state.raft.commitIndex;
    const ready = read.readIndex >= 0 && read.round <= reads.confirmed && read.readIndex <= state.applied;
    if (ready) env.send(read.from, { type: "reply", seq: read.seq, result: applyOperation(state.keyspace, read.op) });
    else still.push(read);
  }
  reads.waiting = still;
  if (reads.started === reads.confirmed && still.some((read) => read.round > reads.started))
    startProbeRound(state, env);
  // @end
}

/** This server stopped leading: every waiting read goes elsewhere, and probe rounds start over. */
export function failReads(state: KvServerState, env: ServerEnv): void {
  const leader = state.raft.role === "leader" ? null : state.raft.leaderId;
  for (const read of state.reads.waiting) env.send(read.from, { type: "notLeader", seq: read.seq, leader });
  state.reads.waiting = [];
  state.reads.acks = [];
  state.reads.confirmed = state.reads.started;
  if (state.reads.timer !== null) env.cancelTimer(state.reads.timer);
  state.reads.timer = null;
}
