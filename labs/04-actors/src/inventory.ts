// The Inventory actor: which pets are available, reserved for an order, or sold. Every operation is
// keyed by the order it belongs to, so asking twice, or asking late, never moves a pet twice.
import { defineActor } from "./actor.ts";
import { refuse, type OrderId, type PetId, type Release, type ReplyBody, type Reserve, type Sell } from "./messages.ts";
import { todo } from "@distlab/kit/service";

export interface Pet {
  name: string;
  species: string;
  price: number;
}

export interface PetStock extends Pet {
  status: "available" | "reserved" | "sold";
  /** The order holding or owning the pet; null while it is available. */
  order: OrderId | null;
}

/**
 * What the inventory decided for one order. "released" is also written for an order released before it
 * ever reserved (a tombstone), so that a reserve arriving late for it is refused.
 */
export interface Reservation {
  pets: PetId[];
  amount: number;
  status: "held" | "sold" | "released" | "refused";
  reason?: string;
}

export interface InventoryData {
  pets: Record<PetId, PetStock>;
  reservations: Record<OrderId, Reservation>;
}

export function initialInventory(catalogue: Record<PetId, Pet>): InventoryData {
  const pets: Record<PetId, PetStock> = {};
  for (const [id, pet] of Object.entries(catalogue)) pets[id] = { ...pet, status: "available", order: null };
  return { pets, reservations: {} };
}

export function inventoryActor(catalogue: Record<PetId, Pet>) {
  return defineActor<InventoryData>({
    initial: () => initialInventory(catalogue),
    handleRequest(state, _from, request, env) {
      const reply = route(state.data, request);
      env.log(`${request.type} ${"orderId" in request ? request.orderId : ""} → ${describe(reply)}`);
      return reply;
    },
  });
}

function route(data: InventoryData, request: { type: string }): ReplyBody {
  switch (request.type) {
    case "reserve":
      return handleReserve(data, request as Reserve);
    case "release":
      return handleRelease(data, request as Release);
    case "sell":
      return handleSell(data, request as Sell);
    default:
      return refuse(`the inventory does not handle "${request.type}"`);
  }
}

function describe(reply: ReplyBody): string {
  return reply.ok ? `ok${reply.amount === undefined ? "" : ` (${reply.amount})`}` : `refused: ${reply.reason}`;
}

// ---- Step 4: idempotent domain handlers -----------------------------------------------------------------

/** Holds every pet of the order, or none. The same order asking again gets the same answer. */
export function handleReserve(data: InventoryData, request: Reserve): ReplyBody {
  return todo("TODO(lab04 §4): answer a known order from its reservation; else hold all its pets, or refuse and record why — see labs/04-actors/README.md, step 4");
}

/** Gives an order's pets back. Releasing twice, or an order never reserved, is fine; a sold order stays sold. */
export function handleRelease(data: InventoryData, request: Release): ReplyBody {
  return todo("TODO(lab04 §4): make held pets available again; remember a release even for an order never seen — see labs/04-actors/README.md, step 4");
}

/** The order is paid: its held pets become sold. Selling twice is fine; selling what is not held is refused. */
export function handleSell(data: InventoryData, request: Sell): ReplyBody {
  return todo("TODO(lab04 §4): turn the order's held pets into sold ones, once — see labs/04-actors/README.md, step 4");
}
