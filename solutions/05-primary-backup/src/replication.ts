// Replication between the primary and its backup. The primary queues clients' requests and forwards them
// in batches, one batch at a time; in synchronous mode it executes and answers a request only once the
// backup has it, in asynchronous mode it answers first and forwards after. The backup applies what the
// primary of its own view forwards, and nothing else.
import type { Env, NodeId } from "@distlab/kit/sim";
import { FORWARD_RETRY_MS, type Forward, type ForwardOk, type Message, type Request } from "./messages.ts";
import { executeOnce } from "./operations.ts";
import { getOwn } from "./records.ts";
import { isPrimary, type ReplicaState } from "./replica.ts";

/** The timer that resends the batch in flight; its payload is `{ batch }`. */
export const FORWARD_TIMER = "forward";
/** The most requests one forward carries. */
export const MAX_BATCH = 32;

/** Executes a request (once) and answers the client. */
function executeAndReply(state: ReplicaState, request: Request, env: Env<Message>): void {
  const result = executeOnce(state.keyspace, state.sessions, request);
  if (result !== null) env.send(request.client, { type: "reply", seq: request.seq, result });
}

function sendForward(state: ReplicaState, env: Env<Message>): void {
  const inFlight = state.inFlight;
  if (inFlight === null || state.view.backup === null) return;
  env.send(state.view.backup, {
    type: "forward",
    view: state.view.num,
    batch: inFlight.batch,
    requests: inFlight.requests,
  });
  inFlight.timer = env.setTimer(FORWARD_TIMER, FORWARD_RETRY_MS, { batch: inFlight.batch });
}

// ---- Step 3: synchronous replication ------------------------------------------------------------------

/** A client's request reached this server. Only the primary of the current view, done transferring, serves. */
export function handleRequest(state: ReplicaState, _from: NodeId, request: Request, env: Env<Message>): void {
  // @solution §3 "serve only as primary; answer a retry from the session; queue a new request (async: answer it early) and pump"
  if (!isPrimary(state, env) || state.transferring) return;
  const session = getOwn(state.sessions, request.client);
  if (session !== undefined && session.seq >= request.seq) {
    if (session.seq === request.seq)
      env.send(request.client, { type: "reply", seq: request.seq, result: session.result });
    return;
  }
  const waiting = [...state.queue, ...(state.inFlight?.requests ?? [])];
  if (waiting.some((queued) => queued.client === request.client && queued.seq === request.seq)) return;
  if (state.mode === "async") answerEarly(state, request, env);
  state.queue.push(request);
  pump(state, env);
  // @end
}

/** Forwards the next batch when nothing is in flight. With no backup, the primary serves alone. */
export function pump(state: ReplicaState, env: Env<Message>): void {
  // @solution §3 "alone: execute and answer everything queued; with a backup: forward the next batch unless one is in flight"
  if (!isPrimary(state, env) || state.transferring || state.inFlight !== null) return;
  if (state.view.backup === null) {
    if (state.mode === "sync") for (const request of state.queue) executeAndReply(state, request, env);
    state.queue = [];
    return;
  }
  if (state.queue.length === 0) return;
  state.inFlight = { batch: ++state.nextBatch, requests: state.queue.splice(0, MAX_BATCH), timer: null };
  sendForward(state, env);
  // @end
}

/** The backup confirmed a batch: in sync mode, execute and answer its requests now; then forward the next. */
export function handleForwardOk(state: ReplicaState, msg: ForwardOk, env: Env<Message>): void {
  // @solution §3 "only the batch in flight, in the current view: stop its timer, execute and answer (sync), pump"
  const inFlight = state.inFlight;
  if (inFlight === null || msg.batch !== inFlight.batch || msg.view !== state.view.num) return;
  if (inFlight.timer !== null) env.cancelTimer(inFlight.timer);
  state.inFlight = null;
  if (state.mode === "sync") for (const request of inFlight.requests) executeAndReply(state, request, env);
  pump(state, env);
  // @end
}

/** No confirmation yet: send the same batch again. */
export function onForwardTimer(state: ReplicaState, batch: number, env: Env<Message>): void {
  if (state.inFlight?.batch === batch) sendForward(state, env);
}

// ---- Step 7: asynchronous replication ----------------------------------------------------------------

/**
 * Async mode: execute the request and answer the client now, before the backup has it. The request still
 * goes into the queue, to be forwarded later; if the primary dies first, the write is lost.
 */
export function answerEarly(state: ReplicaState, request: Request, env: Env<Message>): void {
  // @solution §7 "execute the request once and answer the client right away"
  executeAndReply(state, request, env);
  // @end
}

// ---- Step 3 (the backup's side) ------------------------------------------------------------------------

/** As backup: apply a batch from the primary of this server's view, once per request, and confirm it. */
export function handleForward(state: ReplicaState, from: NodeId, msg: Forward, env: Env<Message>): void {
  // @solution §3 "refuse a forward from another view, another primary, or before the state transfer; apply each request once; confirm"
  const { view } = state;
  if (view.backup !== env.id || view.primary !== from || msg.view !== view.num || state.syncedFor !== view.num) return;
  for (const request of msg.requests) executeOnce(state.keyspace, state.sessions, request);
  env.send(from, { type: "forwardOk", view: msg.view, batch: msg.batch });
  // @end
}
