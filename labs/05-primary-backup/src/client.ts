// A client of the replicated store. It runs the operations its driver (a test, or the HTTP front) invokes,
// one at a time: it finds the primary through the view service, retries until it gets an answer, and,
// when a cache is configured, reads through the cache and invalidates it after each write (cache.ts).
import type { Env, NodeDef, NodeId, Timer } from "@distlab/kit/sim";
import {
  CLIENT_RETRY_MS,
  HOT_MISS_WAIT_MS,
  STARTUP_VIEW,
  type Message,
  type Operation,
  type Result,
  type View,
} from "./messages.ts";
import { getOwn, setOwn } from "./records.ts";
import { todo } from "@distlab/kit/service";

export interface ClientOptions {
  viewService: NodeId;
  /** The look-aside cache to read through, or null for none. */
  cache: NodeId | null;
}

/** Where the current operation is: asking the cache, asking the primary, or invalidating the cache. */
export type Phase = "cacheGet" | "primary" | "cacheDelete";

export interface Current {
  /** The driver's id for this invocation, and who to answer. */
  id: number;
  caller: NodeId;
  op: Operation;
  /** This client's number for the operation; retries reuse it. */
  seq: number;
  phase: Phase;
  /** The lease the cache gave on a miss: the right to fill the key with what the primary answers. */
  token: number | null;
  /** A write's result, kept while the cache is invalidated. */
  result: Result | null;
  /** Counts sends, so that a retry timer of an earlier send is recognised and ignored. */
  attempt: number;
}

export interface ClientState {
  viewService: NodeId;
  cache: NodeId | null;
  /** The view this client last heard of. */
  view: View;
  seq: number;
  current: Current | null;
  /** Invocations waiting for the current one to finish, in order. */
  waiting: Array<{ id: number; caller: NodeId; op: Operation }>;
  /** The highest invocation id taken from each caller: ids increase, so a duplicated invoke is ignored. */
  invoked: Record<NodeId, number>;
}

export const RETRY_TIMER = "retry";
export const HOT_MISS_TIMER = "hotMiss";

export function clientNode(options: ClientOptions): NodeDef<ClientState, Message> {
  return {
    init: () => ({
      viewService: options.viewService,
      cache: options.cache ?? null,
      view: { ...STARTUP_VIEW },
      seq: 0,
      current: null,
      waiting: [],
      invoked: {},
    }),
    onMessage(state, from, msg, env) {
      switch (msg.type) {
        case "invoke":
          if (msg.id <= (getOwn(state.invoked, from) ?? -1)) return;
          setOwn(state.invoked, from, msg.id);
          state.waiting.push({ id: msg.id, caller: from, op: msg.op });
          if (state.current === null) startNext(state, env);
          return;
        case "view":
          return handleClientView(state, msg.view, env);
        case "reply":
          return handleReply(state, msg.seq, msg.result, env);
        case "cacheHit":
          return handleCacheHit(state, msg.seq, msg.entry, env);
        case "cacheMiss":
          return handleCacheMiss(state, msg.seq, msg.token, env);
        case "cacheWait":
          if (state.current?.phase === "cacheGet" && state.current.seq === msg.seq)
            env.setTimer(HOT_MISS_TIMER, HOT_MISS_WAIT_MS, { seq: msg.seq, attempt: state.current.attempt });
          return;
        case "cacheDeleted":
          if (state.current?.phase === "cacheDelete" && state.current.seq === msg.seq)
            finish(state, state.current.result!, env);
          return;
      }
    },
    onTimer(state, timer: Timer, env) {
      const { seq, attempt } = timer.payload as { seq: number; attempt: number };
      const current = state.current;
      if (current === null || current.seq !== seq || current.attempt !== attempt) return;
      if (timer.name === RETRY_TIMER) onRetryTimer(state, env);
      else if (timer.name === HOT_MISS_TIMER) send(state, env);
    },
  };
}

function isWrite(op: Operation): boolean {
  return op.op !== "get";
}

function startNext(state: ClientState, env: Env<Message>): void {
  const next = state.waiting.shift();
  if (next === undefined) return;
  const phase: Phase = state.cache !== null && next.op.op === "get" ? "cacheGet" : "primary";
  state.current = { ...next, seq: ++state.seq, phase, token: null, result: null, attempt: 0 };
  send(state, env);
}

function finish(state: ClientState, result: Result, env: Env<Message>): void {
  const current = state.current!;
  env.send(current.caller, { type: "done", id: current.id, result });
  state.current = null;
  startNext(state, env);
}

/** Sends the current operation's message for its phase, and arms the retry timer for this send. */
export function send(state: ClientState, env: Env<Message>): void {
  const current = state.current!;
  current.attempt++;
  if (current.phase === "cacheGet") env.send(state.cache!, { type: "cacheGet", key: current.op.key, seq: current.seq });
  else if (current.phase === "cacheDelete")
    env.send(state.cache!, { type: "cacheDelete", key: current.op.key, seq: current.seq });
  else sendToPrimary(state, env);
  env.setTimer(RETRY_TIMER, CLIENT_RETRY_MS, { seq: current.seq, attempt: current.attempt });
}

// ---- Step 6: clients find the primary -----------------------------------------------------------------

/** Sends the request to the primary of the view this client knows; with no primary known, asks for the view. */
export function sendToPrimary(state: ClientState, env: Env<Message>): void {
  return todo("TODO(lab05 §6): send the request, with this client's id and the operation's seq, to the known primary, or ask the view service — see labs/05-primary-backup/README.md, step 6");
}

/** No answer in time: the primary may have changed. Ask the view service, and send again. */
export function onRetryTimer(state: ClientState, env: Env<Message>): void {
  return todo("TODO(lab05 §6): in the primary phase, ask the view service for the current view too; then send again — see labs/05-primary-backup/README.md, step 6");
}

/** A view arrived: remember a newer one, and send a request that waits for a primary to the new one now. */
export function handleClientView(state: ClientState, view: View, env: Env<Message>): void {
  return todo("TODO(lab05 §6): keep the newest view; if the current request waits on the primary, resend it there — see labs/05-primary-backup/README.md, step 6");
}

/** The primary answered. A stale answer (another seq, or another phase) is ignored. */
export function handleReply(state: ClientState, seq: number, result: Result, env: Env<Message>): void {
  const current = state.current;
  if (current === null || current.phase !== "primary" || current.seq !== seq) return;
  if (state.cache === null) finish(state, result, env);
  else handleReplyThroughCache(state, result, env);
}

// ---- Step 8: reading through the cache ----------------------------------------------------------------

/**
 * The primary answered an operation that goes through the cache: a write invalidates the key before the
 * client answers; a read that missed fills the cache with the lease token it got, then answers.
 */
export function handleReplyThroughCache(state: ClientState, result: Result, env: Env<Message>): void {
  const current = state.current!;
  return todo("TODO(lab05 §8): a write: keep the result and invalidate the key first; a read: fill the cache with the lease token, then finish — see labs/05-primary-backup/README.md, step 8");
}

export function handleCacheHit(state: ClientState, seq: number, entry: Result, env: Env<Message>): void {
  if (state.current?.phase !== "cacheGet" || state.current.seq !== seq) return;
  finish(state, entry, env);
}

/** A miss comes with a lease: read from the primary, then fill the cache with that token. */
export function handleCacheMiss(state: ClientState, seq: number, token: number, env: Env<Message>): void {
  const current = state.current;
  if (current?.phase !== "cacheGet" || current.seq !== seq) return;
  return todo("TODO(lab05 §8): keep the lease token and go to the primary — see labs/05-primary-backup/README.md, step 8");
}
