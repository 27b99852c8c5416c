// The whole checkout system: one cart per shopper, and the order, inventory and payment actors. Tests add
// these nodes to the simulator (one at a time, through shopActor, from the process that runs your code);
// the demo runs the same definitions live.
import type { NodeDef } from "@distlab/kit/sim";
import { cartActor } from "./cart.ts";
import { inventoryActor, type Pet } from "./inventory.ts";
import { cartOf, INVENTORY, ORDER, PAYMENT, type CardId, type Message, type NodeId, type PetId } from "./messages.ts";
import { orderActor } from "./order.ts";
import { paymentActor } from "./payment.ts";

export interface ShopConfig {
  users: string[];
  catalogue: Record<PetId, Pet>;
  accounts: Record<CardId, number>;
}

/** A node whose state type is forgotten, so that actors of different kinds fit in one record. */
export type ShopNode = NodeDef<unknown, Message>;

export function shopActors(config: ShopConfig): Record<NodeId, ShopNode> {
  const actors: Record<NodeId, ShopNode> = {
    [ORDER]: orderActor as unknown as ShopNode,
    [INVENTORY]: inventoryActor(config.catalogue) as unknown as ShopNode,
    [PAYMENT]: paymentActor(config.accounts) as unknown as ShopNode,
  };
  for (const user of config.users) actors[cartOf(user)] = cartActor as unknown as ShopNode;
  return actors;
}

/** One actor of the shop by its node id (`order`, `inventory`, `payment` or a user's cart). */
export function shopActor(config: ShopConfig, id: NodeId): ShopNode {
  const actor = shopActors(config)[id];
  if (!actor) throw new Error(`the shop has no actor "${id}" (its users are ${config.users.join(", ") || "none"})`);
  return actor;
}
