// The Order actor orchestrates each checkout as a saga: reserve the pets, charge the card, sell the pets.
// Any step refused, or not answered in time, is undone by compensations (release, refund) that are
// retried until they go through, so every order ends either completed or cleanly refused.
import type { Env, NodeId } from "@distlab/kit/sim";
import { defineActor } from "./actor.ts";
import {
  INVENTORY,
  PAYMENT,
  refuse,
  type CardId,
  type Message,
  type OrderId,
  type PetId,
  type PlaceOrder,
  type ReplyBody,
  type RequestId,
} from "./messages.ts";
import { answer, sendRequest, type ActorState, type Pending } from "./reliable.ts";

/** How long the order waits for the inventory to reserve, or for payment to charge, before it gives up. */
export const STEP_TIMEOUT_MS = 2000;

export type SagaStep = "reserving" | "charging" | "selling" | "compensating" | "completed" | "refused";

export interface Saga {
  orderId: OrderId;
  /** The placeOrder request to answer when the saga ends. */
  placeRid: RequestId;
  pets: PetId[];
  card: CardId;
  /** The price of the pets, known once they are reserved. */
  amount: number;
  step: SagaStep;
  /** Why the order was refused (null unless compensating or refused). */
  reason: string | null;
  /** The compensation requests still waiting for their reply. */
  compensations: RequestId[];
}

export interface OrderData {
  sagas: Record<OrderId, Saga>;
}

type OrderState = ActorState<OrderData>;
type OrderEnv = Env<Message>;

export const orderActor = defineActor<OrderData>({
  initial: () => ({ sagas: {} }),

  handleRequest(state, from, request, env) {
    if (request.type !== "placeOrder") return refuse(`the order actor does not handle "${request.type}"`);
    return handlePlaceOrder(state, from, request, env);
  },

  handleReply(state, pending, body, env) {
    const saga = "orderId" in pending.request ? state.data.sagas[pending.request.orderId] : undefined;
    if (saga === undefined) return;
    switch (pending.request.type) {
      case "reserve":
        return handleReserveReply(state, saga, body, env);
      case "charge":
        return handleChargeReply(state, saga, body, env);
      case "sell":
        return handleSellReply(state, saga, body, env);
      case "release":
      case "refund":
        return handleCompensationReply(state, saga, pending, body, env);
    }
  },

  handleTimeout(state, pending, env) {
    const saga = "orderId" in pending.request ? state.data.sagas[pending.request.orderId] : undefined;
    if (saga !== undefined) onStepTimeout(state, saga, pending, env);
  },
});

/** Ends the saga and answers the cart, once. */
function finish(state: OrderState, saga: Saga, step: "completed" | "refused", env: OrderEnv): void {
  saga.step = step;
  env.log(`order ${saga.orderId} ${step}${saga.reason === null ? "" : `: ${saga.reason}`}`);
  const body: ReplyBody =
    step === "completed"
      ? { ok: true, orderId: saga.orderId, amount: saga.amount }
      : { ok: false, orderId: saga.orderId, reason: saga.reason ?? "refused" };
  answer(state, saga.placeRid, body, env);
}

// ---- Step 5: the checkout saga ----------------------------------------------------------------------

/** A cart places an order: start its saga by reserving the pets. The cart is answered when the saga ends. */
export function handlePlaceOrder(
  state: OrderState,
  _from: NodeId,
  request: PlaceOrder,
  env: OrderEnv,
): ReplyBody | undefined {
  // @solution §5 "create the saga, ask the inventory to reserve (with a timeout), and answer later"
  if (state.data.sagas[request.orderId] !== undefined) return refuse(`order ${request.orderId} was already placed`);
  state.data.sagas[request.orderId] = {
    orderId: request.orderId,
    placeRid: request.rid,
    pets: request.pets,
    card: request.card,
    amount: 0,
    step: "reserving",
    reason: null,
    compensations: [],
  };
  sendRequest(state, INVENTORY, { type: "reserve", orderId: request.orderId, pets: request.pets }, env, {
    timeoutMs: STEP_TIMEOUT_MS,
  });
  return undefined;
  // @end
}

export function handleReserveReply(state: OrderState, saga: Saga, body: ReplyBody, env: OrderEnv): void {
  // @solution §5 "reserved: charge the price (with a timeout); refused: nothing is held, refuse the order"
  if (saga.step !== "reserving") return;
  if (!body.ok) {
    saga.reason = body.reason;
    return finish(state, saga, "refused", env);
  }
  saga.amount = body.amount ?? 0;
  saga.step = "charging";
  sendRequest(state, PAYMENT, { type: "charge", orderId: saga.orderId, card: saga.card, amount: saga.amount }, env, {
    timeoutMs: STEP_TIMEOUT_MS,
  });
  // @end
}

export function handleChargeReply(state: OrderState, saga: Saga, body: ReplyBody, env: OrderEnv): void {
  // @solution §5 "charged: sell the pets (no timeout: the order is paid); declined: release the pets"
  if (saga.step !== "charging") return;
  if (!body.ok) return compensate(state, saga, body.reason, { refund: false }, env);
  saga.step = "selling";
  sendRequest(state, INVENTORY, { type: "sell", orderId: saga.orderId }, env);
  // @end
}

export function handleSellReply(state: OrderState, saga: Saga, body: ReplyBody, env: OrderEnv): void {
  // @solution §5 "sold: the order is completed; refused: undo the charge and the reservation"
  if (saga.step !== "selling") return;
  if (!body.ok) return compensate(state, saga, body.reason, { refund: true }, env);
  finish(state, saga, "completed", env);
  // @end
}

/** One compensation went through; when the last one has, the order is refused. */
export function handleCompensationReply(
  state: OrderState,
  saga: Saga,
  pending: Pending,
  _body: ReplyBody,
  env: OrderEnv,
): void {
  // @solution §5 "cross the compensation off; once none is left, refuse the order"
  if (saga.step !== "compensating") return;
  saga.compensations = saga.compensations.filter((rid) => rid !== pending.request.rid);
  if (saga.compensations.length === 0) finish(state, saga, "refused", env);
  // @end
}

/** Reserving or charging took too long: the request may or may not have taken effect, so undo both ways. */
export function onStepTimeout(state: OrderState, saga: Saga, pending: Pending, env: OrderEnv): void {
  // @solution §5 "a reserve timed out: release; a charge timed out: refund and release"
  if (pending.request.type === "reserve" && saga.step === "reserving")
    compensate(state, saga, "the inventory did not answer in time", { refund: false }, env);
  else if (pending.request.type === "charge" && saga.step === "charging")
    compensate(state, saga, "payment did not answer in time", { refund: true }, env);
  // @end
}

/** Starts undoing an order: release its pets, and refund its payment when it may have been charged. */
export function compensate(
  state: OrderState,
  saga: Saga,
  reason: string,
  { refund }: { refund: boolean },
  env: OrderEnv,
): void {
  // @solution §5 "send the compensations without a deadline, and remember which ones are outstanding"
  saga.step = "compensating";
  saga.reason = reason;
  saga.compensations = [sendRequest(state, INVENTORY, { type: "release", orderId: saga.orderId }, env)];
  if (refund) saga.compensations.push(sendRequest(state, PAYMENT, { type: "refund", orderId: saga.orderId }, env));
  // @end
}
