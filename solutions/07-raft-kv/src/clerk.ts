// A clerk: the client library of the replicated store, as a node. A driver (a test, or the HTTP front)
// invokes operations on it; it runs them one at a time, each under the clerk's session id and the next
// sequence number, and keeps sending until a leader answers: to the server it believes leads, to the
// leader a server names, to the next server when one does not answer, and after a whole round of servers
// without a leader, after a growing pause. Retries reuse the sequence number, so the servers execute an
// operation once however often it is sent.
import type { Env, NodeDef, NodeId, Timer, TimerId } from "@distlab/kit/sim";
import {
  CLERK_BACKOFF_CAP_MS,
  CLERK_BACKOFF_MS,
  CLERK_RETRY_MS,
  type KvMessage,
  type NotLeader,
  type Operation,
  type Result,
} from "./messages.ts";

export interface ClerkOptions {
  servers: NodeId[];
  /**
   * Give up on an operation after this long (ms) and answer `unknown`; null (the default) never gives up.
   * The HTTP front sets one, so that a request during an outage ends in an error instead of hanging.
   */
  deadlineMs?: number | null;
  /** How long to wait for a server's answer before trying the next one (default CLERK_RETRY_MS). */
  retryMs?: number;
}

export interface CurrentOp {
  /** The driver's id for this invocation, and who to answer. */
  id: number;
  caller: NodeId;
  op: Operation;
  /** This clerk's number for the operation; retries reuse it. */
  seq: number;
  /** Counts sends, so that the timer of an earlier send is recognised and ignored. */
  attempt: number;
  /** Servers tried in a row without reaching a leader; a whole round of them means: back off. */
  misses: number;
  /** The pause before the next round of servers (0 until a round failed). */
  backoffMs: number;
  /** The timers armed for this operation (retry or backoff, and the deadline), cancelled when it ends. */
  timer: TimerId | null;
  deadline: TimerId | null;
}

export interface ClerkState {
  servers: NodeId[];
  deadlineMs: number | null;
  retryMs: number;
  /** This clerk's session with the servers: unique per clerk and per start, so sequence numbers never clash. */
  session: string;
  seq: number;
  /** The server to send to next: the last one known to lead, or the next guess. */
  leader: number;
  current: CurrentOp | null;
  /** Invocations waiting for the current one to finish, in order. */
  waiting: Array<{ id: number; caller: NodeId; op: Operation }>;
}

export const RETRY_TIMER = "retry";
export const BACKOFF_TIMER = "backoff";
export const DEADLINE_TIMER = "deadline";

export function clerkNode(options: ClerkOptions): NodeDef<ClerkState, KvMessage> {
  if (!Array.isArray(options.servers) || options.servers.length === 0)
    throw new Error("clerkNode: servers must list at least one server");
  return {
    init: (env) => ({
      servers: [...options.servers],
      deadlineMs: options.deadlineMs ?? null,
      retryMs: options.retryMs ?? CLERK_RETRY_MS,
      session: `${env.id}~${Math.floor(env.random() * 2 ** 48).toString(36)}`,
      seq: 0,
      leader: Math.floor(env.random() * options.servers.length),
      current: null,
      waiting: [],
    }),
    onMessage(state, from, msg, env) {
      switch (msg.type) {
        case "invoke":
          state.waiting.push({ id: msg.id, caller: from, op: msg.op });
          if (state.current === null) startNext(state, env);
          return;
        case "reply":
          if (state.current?.seq === msg.seq) finish(state, { result: msg.result }, env);
          return;
        case "notLeader":
          return handleNotLeader(state, from, msg, env);
      }
    },
    onTimer(state, timer: Timer, env) {
      const { seq, attempt } = timer.payload as { seq: number; attempt?: number };
      const current = state.current;
      if (current === null || current.seq !== seq) return;
      if (timer.name === DEADLINE_TIMER) return finish(state, { unknown: true }, env);
      if (current.attempt !== attempt) return;
      if (timer.name === RETRY_TIMER) onRetryTimer(state, env);
      else if (timer.name === BACKOFF_TIMER) send(state, env);
    },
  };
}

function startNext(state: ClerkState, env: Env<KvMessage>): void {
  const next = state.waiting.shift();
  if (next === undefined) return;
  state.current = { ...next, seq: ++state.seq, attempt: 0, misses: 0, backoffMs: 0, timer: null, deadline: null };
  if (state.deadlineMs !== null)
    state.current.deadline = env.setTimer(DEADLINE_TIMER, state.deadlineMs, { seq: state.seq });
  send(state, env);
}

function finish(state: ClerkState, outcome: { result: Result } | { unknown: true }, env: Env<KvMessage>): void {
  const current = state.current!;
  env.send(current.caller, { type: "done", id: current.id, ...outcome });
  for (const timer of [current.timer, current.deadline]) if (timer !== null) env.cancelTimer(timer);
  state.current = null;
  startNext(state, env);
}

// ---- Step 4: finding the leader -----------------------------------------------------------------------

/** Sends the current operation to the server believed to lead, and arms the retry timer for this send. */
export function send(state: ClerkState, env: Env<KvMessage>): void {
  // @solution §4 "send the request (session, seq, operation) to the presumed leader; arm a retry timer for this attempt"
  const current = state.current!;
  current.attempt++;
  const request = { type: "request" as const, client: state.session, seq: current.seq, op: current.op };
  env.send(state.servers[state.leader]!, request);
  if (current.timer !== null) env.cancelTimer(current.timer);
  current.timer = env.setTimer(RETRY_TIMER, state.retryMs, { seq: current.seq, attempt: current.attempt });
  // @end
}

/** The server we asked is not the leader: go to the one it names, or to the next, pausing after a round. */
export function handleNotLeader(state: ClerkState, from: NodeId, msg: NotLeader, env: Env<KvMessage>): void {
  // @solution §4 "follow the named leader; else try the next server, and back off after a whole round"
  const current = state.current;
  if (current === null || current.seq !== msg.seq || from !== state.servers[state.leader]) return;
  const named = msg.leader === null ? -1 : state.servers.indexOf(msg.leader);
  if (named >= 0 && named !== state.leader) {
    state.leader = named;
    send(state, env);
    return;
  }
  tryNextServer(state, env);
  // @end
}

/** No answer in time: the server may be down or cut off. Try the next one. */
export function onRetryTimer(state: ClerkState, env: Env<KvMessage>): void {
  // @solution §4 "no answer: try the next server"
  tryNextServer(state, env);
  // @end
}

/** Moves on to the next server; after a whole round without a leader, waits (doubling, with jitter) first. */
function tryNextServer(state: ClerkState, env: Env<KvMessage>): void {
  // @solution §4 "rotate to the next server; after a full round of misses, wait a doubling, jittered pause"
  const current = state.current!;
  state.leader = (state.leader + 1) % state.servers.length;
  current.misses++;
  if (current.misses < state.servers.length) return send(state, env);
  current.misses = 0;
  current.backoffMs = Math.min(
    CLERK_BACKOFF_CAP_MS,
    current.backoffMs === 0 ? CLERK_BACKOFF_MS : current.backoffMs * 2,
  );
  current.attempt++;
  const pause = Math.round(current.backoffMs * (0.5 + env.random() / 2));
  if (current.timer !== null) env.cancelTimer(current.timer);
  current.timer = env.setTimer(BACKOFF_TIMER, pause, { seq: current.seq, attempt: current.attempt });
  // @end
}
