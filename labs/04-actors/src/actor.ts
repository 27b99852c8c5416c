// Turns an actor's behaviour into a node the simulator (or the live runtime) can drive. The node is the
// actor's mailbox: it takes one message at a time, passes it through the reliability layer, hands what is
// new to the behaviour, and writes the whole state to storage before the next message, so a crash never
// loses an effect that was acknowledged.
import type { Env, NodeDef, NodeId, Timer } from "@distlab/kit/sim";
import type { Message, Reply, ReplyBody, RequestBase, ShopRequest } from "./messages.ts";
import {
  acceptRequest,
  answer,
  handleReply,
  onRetransmitTimer,
  RETRANSMIT_TIMER,
  transmit,
  type ActorState,
  type Pending,
} from "./reliable.ts";
import { todo } from "@distlab/kit/service";

/** What makes one actor different from another. Its state is `state.data`; the rest is bookkeeping. */
export interface Behavior<D, R extends RequestBase = ShopRequest> {
  /** The actor's data on its very first start (after a crash, it comes back from storage instead). */
  initial(env: Env<Message<R>>): D;
  /** A new request (duplicates never get here). Returns the reply, or undefined to answer() it later. */
  handleRequest(state: ActorState<D, R>, from: NodeId, request: R, env: Env<Message<R>>): ReplyBody | undefined;
  /** The first reply to one of this actor's pending requests. */
  handleReply?(state: ActorState<D, R>, pending: Pending<R>, body: ReplyBody, env: Env<Message<R>>): void;
  /** A request sent with a timeout got no reply before its deadline. */
  handleTimeout?(state: ActorState<D, R>, pending: Pending<R>, env: Env<Message<R>>): void;
}

/** The storage key holding an actor's state. */
export const STATE_KEY = "actor";

export function defineActor<D, R extends RequestBase = ShopRequest>(
  behavior: Behavior<D, R>,
): NodeDef<ActorState<D, R>, Message<R>> {
  return {
    init(env) {
      const stored = env.storage.get<ActorState<D, R>>(STATE_KEY);
      const state = stored === undefined ? { seq: 0, outbox: {}, seen: {}, data: behavior.initial(env) } : stored;
      if (stored !== undefined) recover(state, env);
      save(state, env);
      return state;
    },

    onMessage(state, from, msg, env) {
      if (isReply(msg)) {
        const pending = handleReply(state, msg.rid, env);
        if (pending !== undefined) behavior.handleReply?.(state, pending, msg.body, env);
      } else if (acceptRequest(state, from, msg, env)) {
        const reply = behavior.handleRequest(state, from, msg, env);
        if (reply !== undefined) answer(state, msg.rid, reply, env);
      }
      save(state, env);
    },

    onTimer(state, timer: Timer, env) {
      if (timer.name !== RETRANSMIT_TIMER) return;
      const expired = onRetransmitTimer(state, (timer.payload as { rid: string }).rid, env);
      if (expired !== undefined) behavior.handleTimeout?.(state, expired, env);
      save(state, env);
    },
  };
}

function isReply(msg: Message<RequestBase>): msg is Reply {
  return msg.type === "reply";
}

/**
 * Handlers run one at a time and a crash falls between two of them, so writing the state at the end of
 * each handler is as good as writing it before each send: no other actor can hear of an effect that is not
 * on disk yet.
 */
function save(state: ActorState<unknown, RequestBase>, env: Env<unknown>): void {
  env.storage.set(STATE_KEY, state);
}

// ---- Step 6: supervision, restarting from storage ---------------------------------------------------

/**
 * The actor restarts after a crash with the state it last stored. Its memory is back, but not its timers
 * nor the messages that were in flight: resume the work it had under way.
 */
export function recover<D, R extends RequestBase>(state: ActorState<D, R>, env: Env<Message<R>>): void {
  return todo("TODO(lab04 §6): resume every pending request: send it again and arm a new retransmission timer — see labs/04-actors/README.md, step 6");
}
