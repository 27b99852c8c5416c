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
import { todo } from "@distlab/kit/service";

export const READ_PROBE_TIMER = "readProbe";

/** True once this leader has committed an entry of its own term: its commit index is then complete. */
export function committedInTerm(state: KvServerState): boolean {
  return termAt(state.raft, state.raft.commitIndex) === state.raft.currentTerm;
}

/** A read reached this server, which leads: it waits for the next probe round and for its read index. */
export function handleRead(state: KvServerState, from: NodeId, request: Request, env: ServerEnv): void {
  return todo("TODO(lab07 §3): note the read index (when committed in this term), wait for a probe round started after now — see labs/07-raft-kv/README.md, step 3");
}

/** Asks every peer for its term; this server counts as the first acknowledgement. */
export function startProbeRound(state: KvServerState, env: ServerEnv): void {
  return todo("TODO(lab07 §3): next round: count yourself, probe every peer with your term, arm the resend timer — see labs/07-raft-kv/README.md, step 3");
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
  return todo("TODO(lab07 §3): count acks of the current round in your own term; a majority confirms the round — see labs/07-raft-kv/README.md, step 3");
}

/**
 * Answers every read whose round is confirmed and whose read index is applied; gives reads that arrived
 * before the leader committed in its term their read index; starts the round that later reads wait for.
 */
export function serveReads(state: KvServerState, env: ServerEnv): void {
  const reads = state.reads;
  if (state.raft.role !== "leader" || reads.waiting.length === 0) return;
  return todo("TODO(lab07 §3): assign missing read indexes; answer reads confirmed and applied; start the next round if some wait for it — see labs/07-raft-kv/README.md, step 3");
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
