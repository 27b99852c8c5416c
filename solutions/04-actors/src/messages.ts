// The messages of the checkout, one section per actor. Every request carries a request id (`rid`): its
// reply echoes it (a correlation id), and the receiver deduplicates on it. Messages are plain data, so
// they cross the simulated network, NATS or a trace file unchanged.
import type { NodeId } from "@distlab/kit/sim";

export type { NodeId };
export type RequestId = string;
export type OrderId = string;
export type PetId = string;
export type CardId = string;

/** The shared actors' addresses. Each shopper has a cart of their own, at cartOf(user). */
export const ORDER = "order";
export const INVENTORY = "inventory";
export const PAYMENT = "payment";

export function cartOf(user: string): NodeId {
  return `cart-${user}`;
}

/** What every request has: a type, and an id unique across the whole system (the sender's id + a number). */
export interface RequestBase {
  type: string;
  rid: RequestId;
}

// ---- Cart: what a shopper asks their cart ------------------------------------------------------------

export interface AddToCart {
  type: "addToCart";
  rid: RequestId;
  petId: PetId;
}

export interface Checkout {
  type: "checkout";
  rid: RequestId;
  card: CardId;
}

// ---- Order: what a cart asks the order orchestrator -------------------------------------------------------

export interface PlaceOrder {
  type: "placeOrder";
  rid: RequestId;
  orderId: OrderId;
  pets: PetId[];
  card: CardId;
}

// ---- Inventory: what the order asks about pets ----------------------------------------------------------

/** Hold every pet of the order, or none of them. */
export interface Reserve {
  type: "reserve";
  rid: RequestId;
  orderId: OrderId;
  pets: PetId[];
}

/** Give the order's pets back (compensation). */
export interface Release {
  type: "release";
  rid: RequestId;
  orderId: OrderId;
}

/** The order is paid: its reserved pets are sold. */
export interface Sell {
  type: "sell";
  rid: RequestId;
  orderId: OrderId;
}

// ---- Payment: what the order asks about money -----------------------------------------------------------

export interface Charge {
  type: "charge";
  rid: RequestId;
  orderId: OrderId;
  card: CardId;
  amount: number;
}

/** Give the order's money back (compensation). */
export interface Refund {
  type: "refund";
  rid: RequestId;
  orderId: OrderId;
}

export type ShopRequest = AddToCart | Checkout | PlaceOrder | Reserve | Release | Sell | Charge | Refund;

// ---- Replies: one shape for every request ---------------------------------------------------------------

export interface Accepted {
  ok: true;
  /** reserve: the price of the pets; placeOrder and checkout: what was charged. */
  amount?: number;
  orderId?: OrderId;
  /** addToCart: what the cart now holds. */
  items?: PetId[];
}

export interface Refused {
  ok: false;
  reason: string;
  orderId?: OrderId;
}

export type ReplyBody = Accepted | Refused;

/** The answer to request `rid`. */
export interface Reply {
  type: "reply";
  rid: RequestId;
  body: ReplyBody;
}

export type Message<R extends RequestBase = ShopRequest> = R | Reply;

export function refuse(reason: string): Refused {
  return { ok: false, reason };
}
