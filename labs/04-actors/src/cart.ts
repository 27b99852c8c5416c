// The Cart actor, one per shopper: it collects pets, and on checkout places an order and answers the
// shopper once the order has ended. It is given complete: read it as an example of an actor built on the
// reliability layer (a request answered now, a request answered later, a request of its own).
import { defineActor } from "./actor.ts";
import { ORDER, refuse, type CardId, type OrderId, type PetId, type RequestId } from "./messages.ts";
import { answer, sendRequest } from "./reliable.ts";

export interface CartOrder {
  /** The shopper's checkout request, answered when the order ends. */
  checkoutRid: RequestId;
  pets: PetId[];
  card: CardId;
  outcome: "pending" | "completed" | "refused";
}

export interface CartData {
  items: PetId[];
  orders: Record<OrderId, CartOrder>;
}

export const cartActor = defineActor<CartData>({
  initial: () => ({ items: [], orders: {} }),

  handleRequest(state, _from, request, env) {
    const cart = state.data;
    switch (request.type) {
      case "addToCart":
        if (!cart.items.includes(request.petId)) cart.items.push(request.petId);
        return { ok: true, items: [...cart.items] };
      case "checkout": {
        if (cart.items.length === 0) return refuse("the cart is empty");
        const orderId = `${env.id}/${Object.keys(cart.orders).length + 1}`;
        cart.orders[orderId] = { checkoutRid: request.rid, pets: cart.items, card: request.card, outcome: "pending" };
        cart.items = [];
        sendRequest(
          state,
          ORDER,
          { type: "placeOrder", orderId, pets: cart.orders[orderId].pets, card: request.card },
          env,
        );
        return undefined;
      }
      default:
        return refuse(`a cart does not handle "${request.type}"`);
    }
  },

  handleReply(state, pending, body, env) {
    if (pending.request.type !== "placeOrder") return;
    const order = state.data.orders[pending.request.orderId];
    if (order === undefined) return;
    order.outcome = body.ok ? "completed" : "refused";
    answer(state, order.checkoutRid, { ...body, orderId: pending.request.orderId }, env);
  },
});
