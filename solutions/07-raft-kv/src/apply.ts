// Step 1 — the state machine on the log. Every server applies the entries Raft committed, in log order,
// each exactly once: a batch of client writes runs request by request through Lab 05's executeOnce, so a
// write that reached the log twice (a clerk's retry through another leader) changes the store once, and a
// retry gets the first result. The server that was asked answers; a snapshot replaces everything.
import { takeApplies, type ApplyMsg } from "@distlab/lab/06-raft/raft.ts";
import { executeOnce } from "@distlab/lab/05-primary-backup/operations.ts";
import type { Command, KvSnapshot, Request, Result } from "./messages.ts";
import type { KvServerState, ServerEnv } from "./server.ts";

/** The key of a client's request in the table of writes waiting for an answer. */
export function requestKey(request: Pick<Request, "client" | "seq">): string {
  return `${request.client} ${request.seq}`;
}

/** Applies everything Raft handed over since the last event, in order (nothing a snapshot already covered). */
export function applyCommitted(state: KvServerState, env: ServerEnv): void {
  for (const apply of takeApplies(state.raft)) {
    if (apply.kind === "snapshot") installSnapshot(state, apply);
    else if (apply.index > state.applied) applyEntry(state, apply.index, apply.command, env);
  }
}

/**
 * Applies the entry at `index`: each request of a batch at most once, answering the clerk that waits on
 * this server; the entry this leader had in flight is done.
 */
export function applyEntry(state: KvServerState, index: number, command: Command, env: ServerEnv): void {
  // @solution §1 "apply each request once (executeOnce), in order; answer whoever waits here; note the entry in flight is done"
  if (command.type === "batch") {
    for (const request of command.requests)
      answer(state, request, executeOnce(state.keyspace, state.sessions, request), env);
  }
  state.applied = index;
  if (state.inFlight !== 0 && index >= state.inFlight) state.inFlight = 0;
  // @end
}

function answer(state: KvServerState, request: Request, result: Result | null, env: ServerEnv): void {
  const key = requestKey(request);
  const caller = state.waitingWrites[key];
  if (caller === undefined) return;
  delete state.waitingWrites[key];
  if (result !== null) env.send(caller, { type: "reply", seq: request.seq, result });
}

/** A snapshot (after a restart, or sent by the leader) replaces the state machine, sessions included. */
export function installSnapshot(state: KvServerState, apply: Extract<ApplyMsg<Command>, { kind: "snapshot" }>): void {
  // @solution §5 "replace keyspace and sessions with the snapshot's (a copy), unless it is older than what was applied"
  if (apply.index <= state.applied) return;
  const data = structuredClone(apply.data as KvSnapshot);
  state.keyspace = data.keyspace;
  state.sessions = data.sessions;
  state.applied = apply.index;
  // @end
}
