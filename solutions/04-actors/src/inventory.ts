// The Inventory actor: which pets are available, reserved for an order, or sold. Every operation is
// keyed by the order it belongs to, so asking twice, or asking late, never moves a pet twice.
import { defineActor } from "./actor.ts";
import { refuse, type OrderId, type PetId, type Release, type ReplyBody, type Reserve, type Sell } from "./messages.ts";

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
  // @solution §4 "answer a known order from its reservation; else hold all its pets, or refuse and record why"
  const known = data.reservations[request.orderId];
  if (known !== undefined) {
    if (known.status === "held" || known.status === "sold") return { ok: true, amount: known.amount };
    return refuse(known.reason ?? `order ${request.orderId} was ${known.status}`);
  }
  const pets = [...new Set(request.pets)];
  const missing = pets.find((id) => data.pets[id] === undefined);
  const taken = pets.find((id) => data.pets[id]?.status !== "available");
  if (pets.length === 0 || taken !== undefined) {
    const reason =
      pets.length === 0
        ? "the order has no pets"
        : missing !== undefined
          ? `no pet "${missing}"`
          : `"${taken}" is taken`;
    data.reservations[request.orderId] = { pets, amount: 0, status: "refused", reason };
    return refuse(reason);
  }
  let amount = 0;
  for (const id of pets) {
    const pet = data.pets[id]!;
    pet.status = "reserved";
    pet.order = request.orderId;
    amount += pet.price;
  }
  data.reservations[request.orderId] = { pets, amount, status: "held" };
  return { ok: true, amount };
  // @end
}

/** Gives an order's pets back. Releasing twice, or an order never reserved, is fine; a sold order stays sold. */
export function handleRelease(data: InventoryData, request: Release): ReplyBody {
  // @solution §4 "make held pets available again; remember a release even for an order never seen"
  const known = data.reservations[request.orderId];
  if (known === undefined) {
    data.reservations[request.orderId] = { pets: [], amount: 0, status: "released", reason: "the order was cancelled" };
    return { ok: true };
  }
  if (known.status === "sold") return refuse(`order ${request.orderId} is already sold`);
  if (known.status === "held") {
    for (const id of known.pets) Object.assign(data.pets[id]!, { status: "available", order: null });
    known.status = "released";
    known.reason = "the order was cancelled";
  }
  return { ok: true };
  // @end
}

/** The order is paid: its held pets become sold. Selling twice is fine; selling what is not held is refused. */
export function handleSell(data: InventoryData, request: Sell): ReplyBody {
  // @solution §4 "turn the order's held pets into sold ones, once"
  const known = data.reservations[request.orderId];
  if (known?.status === "sold") return { ok: true, amount: known.amount };
  if (known?.status !== "held") return refuse(`order ${request.orderId} holds no pets`);
  for (const id of known.pets) data.pets[id]!.status = "sold";
  known.status = "sold";
  return { ok: true, amount: known.amount };
  // @end
}
