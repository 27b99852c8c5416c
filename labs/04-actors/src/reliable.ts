// The reliability layer every actor shares: requests with correlation ids, retransmission until a reply
// (at-least-once delivery), and deduplication at the receiver, so that each request takes effect once.
// Everything here is a function over the actor's plain state and its env: no hidden timers, no I/O.
import type { Env, NodeId, TimerId } from "@distlab/kit/sim";
import type { Message, ReplyBody, RequestBase, RequestId, ShopRequest } from "./messages.ts";
import { todo } from "@distlab/kit/service";

/** The name of the timer that resends a pending request; its payload is `{ rid }`. */
export const RETRANSMIT_TIMER = "retransmit";
/** The wait before the first retransmission; it doubles on each attempt… */
export const FIRST_RETRY_MS = 50;
/** …up to this cap. */
export const MAX_RETRY_MS = 800;

/** A request this actor sent and has no reply to yet. */
export interface Pending<R extends RequestBase = ShopRequest> {
  to: NodeId;
  request: R;
  /** How many times it has been sent so far. */
  attempts: number;
  /** Virtual time (env.now()) after which the sender gives up; null means "until a reply arrives". */
  deadline: number | null;
  /** The retransmission timer armed for the next attempt (a timer does not survive a crash). */
  timer: TimerId | null;
}

/** What a receiver remembers about a request it accepted: who asked, and its reply once there is one. */
export interface Seen {
  from: NodeId;
  /** null while the actor is still working on it (it answers later). */
  reply: ReplyBody | null;
}

/** An actor's whole state: its reliability bookkeeping, and `data`, which belongs to the actor itself. */
export interface ActorState<D, R extends RequestBase = ShopRequest> {
  /** The number of the last request this actor sent; request ids are `${env.id}#${seq}`. */
  seq: number;
  /** Pending requests by request id. */
  outbox: Record<RequestId, Pending<R>>;
  /** The dedup table: every request accepted, by request id. */
  seen: Record<RequestId, Seen>;
  data: D;
}

/** A request as its sender writes it, before it gets its id. */
export type Unsent<R extends RequestBase> = R extends unknown ? Omit<R, "rid"> : never;

export interface RequestOptions {
  /** Give up after this many ms without a reply (the actor's handleTimeout runs). Default: never. */
  timeoutMs?: number;
}

/** Sends a pending request (again), then arms the timer for the next attempt, never past its deadline. */
export function transmit<R extends RequestBase>(pending: Pending<R>, env: Env<Message<R>>): void {
  pending.attempts++;
  env.send(pending.to, pending.request);
  const wait = retryDelay(pending.attempts, env);
  const delay = pending.deadline === null ? wait : Math.max(0, Math.min(wait, pending.deadline - env.now()));
  pending.timer = env.setTimer(RETRANSMIT_TIMER, delay, { rid: pending.request.rid });
}

// ---- Step 1: correlation ids, request and reply -------------------------------------------------------

/** Gives the request a fresh id, remembers it as pending and sends it. Returns its id. */
export function sendRequest<R extends RequestBase>(
  state: ActorState<unknown, R>,
  to: NodeId,
  request: Unsent<R>,
  env: Env<Message<R>>,
  options: RequestOptions = {},
): RequestId {
  return todo("TODO(lab04 §1): give the request a fresh id, remember it in the outbox, then transmit it — see labs/04-actors/README.md, step 1");
}

/**
 * A reply arrived: returns the pending request it answers (and forgets it), or undefined when it answers
 * nothing pending any more (a duplicate reply, or a reply that came after the deadline).
 */
export function handleReply<R extends RequestBase>(
  state: ActorState<unknown, R>,
  rid: RequestId,
  env: Env<Message<R>>,
): Pending<R> | undefined {
  return todo("TODO(lab04 §1): find the pending request by its id, cancel its timer and take it out of the outbox — see labs/04-actors/README.md, step 1");
}

// ---- Step 2: retransmission with backoff, until a reply or a deadline -----------------------------------

/** How long to wait after the n-th send: exponential backoff with jitter, capped. */
export function retryDelay(attempts: number, env: Env<unknown>): number {
  return todo("TODO(lab04 §2): double the wait on each attempt up to the cap, and spread it with env.random() — see labs/04-actors/README.md, step 2");
}

/**
 * The retransmission timer of request `rid` fired. Resends it, unless it was answered meanwhile. Past its
 * deadline, forgets it and returns it, so that the actor can react to the timeout.
 */
export function onRetransmitTimer<R extends RequestBase>(
  state: ActorState<unknown, R>,
  rid: RequestId,
  env: Env<Message<R>>,
): Pending<R> | undefined {
  return todo("TODO(lab04 §2): resend a request still pending; past its deadline, give up on it and return it — see labs/04-actors/README.md, step 2");
}

// ---- Step 3: deduplication at the receiver ----------------------------------------------------------

/**
 * A request arrived. Returns true when it is new and the actor must handle it. A duplicate returns false:
 * if its reply is known, the reply is sent again (the first one may have been lost); if the actor is still
 * working on it, nothing is sent (the reply will come).
 */
export function acceptRequest<R extends RequestBase>(
  state: ActorState<unknown, R>,
  from: NodeId,
  request: R,
  env: Env<Message<R>>,
): boolean {
  return todo("TODO(lab04 §3): answer a duplicate from the dedup table; remember a new request before handling it — see labs/04-actors/README.md, step 3");
}

/** Replies to an accepted request, now or later, and remembers the reply for the duplicates to come. */
export function answer<R extends RequestBase>(
  state: ActorState<unknown, R>,
  rid: RequestId,
  body: ReplyBody,
  env: Env<Message<R>>,
): void {
  const seen = state.seen[rid];
  if (seen === undefined) throw new Error(`answer(${rid}): no such request was accepted`);
  return todo("TODO(lab04 §3): record the reply in the dedup table (the first one wins), then send it with its id — see labs/04-actors/README.md, step 3");
}
