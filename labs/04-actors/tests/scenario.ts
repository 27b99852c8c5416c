// Shared by the visible and hidden tests: the shop's catalogue and accounts, shoppers that drive the carts
// from outside (retrying until their cart answers), fault and crash plans, and the invariants every run
// must satisfy. Nothing here is student code: the actors run in the node host, and the tests read their
// state as data and judge it.
import { forEachSeed, Prng, type NodeId, type SimClient, type Simulator } from "@distlab/kit/sim";
import type { CartData } from "../src/cart.ts";
import type { InventoryData, Pet } from "../src/inventory.ts";
import type { CardId, Message, PetId, ReplyBody, ShopRequest } from "../src/messages.ts";
import type { OrderData } from "../src/order.ts";
import type { PaymentData } from "../src/payment.ts";
import type { ActorState } from "../src/reliable.ts";
import type { ShopConfig } from "../src/shop.ts";
import { host } from "./host.ts";

/** The shop's addresses, as the handout's protocol fixes them. */
export const ORDER = "order";
export const INVENTORY = "inventory";
export const PAYMENT = "payment";

export function cartOf(user: string): NodeId {
  return `cart-${user}`;
}

export const LAB = "04";

export const PETS: Record<PetId, Pet> = {
  rex: { name: "Rex", species: "dog", price: 120 },
  tom: { name: "Tom", species: "cat", price: 80 },
  nemo: { name: "Nemo", species: "fish", price: 15 },
  polly: { name: "Polly", species: "parrot", price: 60 },
  bella: { name: "Bella", species: "dog", price: 150 },
};

export const ACCOUNTS: Record<CardId, number> = {
  "card-alice": 500,
  "card-bob": 200,
  "card-carol": 100,
  "card-dave": 1000,
};

export interface ShopperPlan {
  user: string;
  card: CardId;
  /** One checkout per basket, in order. */
  baskets: PetId[][];
  /** When the shopper starts (virtual ms). */
  startAt?: number;
}

/** Four shoppers: alice and bob want rex, bob and dave want tom, carol cannot afford her first basket. */
export const RUSH: ShopperPlan[] = [
  { user: "alice", card: "card-alice", baskets: [["rex", "nemo"]] },
  { user: "bob", card: "card-bob", baskets: [["rex", "tom"]], startAt: 3 },
  { user: "carol", card: "card-carol", baskets: [["polly", "bella"], ["polly"]] },
  { user: "dave", card: "card-dave", baskets: [["tom"]], startAt: 7 },
];

export const SHOP_ACTORS: NodeId[] = [ORDER, INVENTORY, PAYMENT];

/** How often a shopper asks again when their cart has not answered. */
const SHOPPER_RETRY_MS = 300;

/**
 * A shopper outside the system: adds the pets of a basket one by one, then checks out, waiting for each
 * answer and asking again (same request id) until it comes, as a browser would.
 */
export class Shopper {
  readonly cart: NodeId;
  /** The cart's answer to each checkout, in order. */
  readonly checkouts: ReplyBody[] = [];
  private readonly steps: ShopRequest[] = [];
  private next = 0;
  private readonly client: SimClient<Message>;

  constructor(
    private readonly sim: Simulator,
    readonly plan: ShopperPlan,
  ) {
    this.cart = cartOf(plan.user);
    let n = 0;
    for (const basket of plan.baskets) {
      for (const petId of basket) this.steps.push({ type: "addToCart", rid: `${plan.user}#${++n}`, petId });
      this.steps.push({ type: "checkout", rid: `${plan.user}#${++n}`, card: plan.card });
    }
    this.client = sim.addClient<Message>(plan.user, (_from, msg) => this.handleReply(msg));
    sim.at(plan.startAt ?? 0, () => this.ask(0));
  }

  get done(): boolean {
    return this.next >= this.steps.length;
  }

  /** What the shopper is waiting for, for failure messages. */
  describe(): string {
    const step = this.steps[this.next];
    return step === undefined ? `${this.plan.user}: done` : `${this.plan.user}: waiting for ${step.type} ${step.rid}`;
  }

  private ask(index: number): void {
    if (this.next !== index || this.done) return;
    this.client.send(this.cart, this.steps[index]!);
    this.sim.after(SHOPPER_RETRY_MS, () => this.ask(index));
  }

  private handleReply(msg: Message): void {
    const step = this.steps[this.next];
    if (msg.type !== "reply" || step === undefined || msg.rid !== step.rid) return;
    if (step.type === "checkout") this.checkouts.push(msg.body);
    this.next++;
    this.ask(this.next);
  }
}

export interface Shop {
  sim: Simulator;
  shoppers: Shopper[];
  /** Every actor's node id. */
  actors: NodeId[];
  /** When the last planned crash or partition is over (virtual ms). */
  faultsUntil: number;
}

/** Adds one of the lab's actors (`order`, a cart…) to the simulator, running in the node host. */
export function addActor(sim: Simulator, id: NodeId, users: string[] = []): void {
  const config: ShopConfig = { users, catalogue: PETS, accounts: ACCOUNTS };
  sim.addNode(id, host().node("shop.ts", "shopActor", config, id));
}

/** Adds the actors and the shoppers to a fresh simulator. */
export function openShop(sim: Simulator, plans: ShopperPlan[] = RUSH): Shop {
  const users = plans.map((plan) => plan.user);
  const actors = [...SHOP_ACTORS, ...users.map(cartOf)];
  for (const id of actors) addActor(sim, id, users);
  const shoppers = plans.map((plan) => new Shopper(sim, plan));
  return { sim, shoppers, actors, faultsUntil: 0 };
}

/** A lossy network: each message may be dropped, duplicated, or held back so that later ones overtake it. */
export function flakyNetwork(sim: Simulator, rate = 0.2): void {
  sim.configureNetwork({
    minDelay: 1,
    maxDelay: 20,
    dropRate: rate,
    duplicateRate: rate,
    reorderRate: rate,
    reorderDelay: 150,
  });
}

export function perfectNetwork(sim: Simulator): void {
  sim.configureNetwork({ dropRate: 0, duplicateRate: 0, reorderRate: 0 });
}

/** Crashes `node` at `at` and restarts it from its storage `downFor` ms later. */
export function crashFor(shop: Shop, node: NodeId, at: number, downFor: number): void {
  shop.sim.at(at, () => shop.sim.crash(node));
  shop.sim.at(at + downFor, () => shop.sim.restart(node));
  shop.faultsUntil = Math.max(shop.faultsUntil, at + downFor);
}

/**
 * Plans up to `count` crashes of randomly chosen actors starting in the first `window` ms, each down for up
 * to a second; a crash that would overlap an earlier one of the same actor moves later, or past the window
 * is left out.
 */
export function randomCrashes(shop: Shop, rng: Prng, count: number, window = 3000): void {
  const busyUntil = new Map<NodeId, number>();
  for (let i = 0; i < count; i++) {
    const node = rng.pick(shop.actors);
    const at = Math.max(rng.int(10, window), (busyUntil.get(node) ?? 0) + 1);
    const downFor = rng.int(20, 1000);
    if (at > window) continue;
    busyUntil.set(node, at + downFor);
    crashFor(shop, node, at, downFor);
  }
}

/** Cuts the actors into two random sides at `at` for `duration` ms (the shoppers reach both sides). */
export function randomPartition(shop: Shop, rng: Prng, at: number, duration: number): void {
  const sides: [NodeId[], NodeId[]] = [[], []];
  for (const node of shop.actors) sides[rng.int(0, 1)]!.push(node);
  if (sides[1].length === 0) sides[1].push(sides[0].pop()!);
  if (sides[0].length === 0) sides[0].push(sides[1].pop()!);
  shop.sim.at(at, () => shop.sim.partition(sides));
  shop.sim.at(at + duration, () => shop.sim.heal());
  shop.faultsUntil = Math.max(shop.faultsUntil, at + duration);
}

/**
 * Runs until the planned faults are over, every actor is up and every shopper has an answer to every
 * request, then `grace` ms more so that late copies of old messages arrive too; throws, saying who is stuck
 * where, when that takes more than `within` ms after the last fault.
 */
export function settle(shop: Shop, { within = 60_000, grace = 5_000 } = {}): void {
  const { sim } = shop;
  const settled = sim.runUntil(
    () =>
      sim.now >= shop.faultsUntil &&
      shop.actors.every((id) => sim.isUp(id)) &&
      shop.shoppers.every((shopper) => shopper.done),
    { within: Math.max(0, shop.faultsUntil - sim.now) + within },
  );
  if (!settled) {
    const stuck = shop.shoppers.filter((shopper) => !shopper.done).map((shopper) => shopper.describe());
    const sagas = shop.actors.includes(ORDER) && sim.isUp(ORDER) ? describeSagas(shop) : "the order actor is down";
    throw new Error(
      `not every checkout ended within ${within / 1000}s of virtual time after the last fault:\n` +
        `  ${stuck.join("\n  ")}\n  sagas: ${sagas}`,
    );
  }
  sim.runFor(grace);
}

function describeSagas(shop: Shop): string {
  const sagas = Object.values(state<OrderData>(shop, ORDER).data.sagas);
  return sagas.length === 0 ? "none" : sagas.map((saga) => `${saga.orderId}=${saga.step}`).join(", ");
}

function state<D>(shop: Shop, id: NodeId): ActorState<D> {
  if (!shop.sim.isUp(id)) throw new Error(`${id} is still down at the end of the run`);
  return shop.sim.state<ActorState<D>>(id);
}

/**
 * The invariants of the shop once it has settled: every order ended completed or refused; a completed
 * order was charged exactly once and owns its pets; a refused one costs nothing and holds no pet; no pet is
 * sold twice or left reserved; no money is created or lost; nothing is still in flight.
 */
export function checkShop(shop: Shop): void {
  const problems = shopProblems(shop);
  if (problems.length > 0) {
    throw new Error(
      `the shop is inconsistent at t=${shop.sim.now}ms (trace ${shop.sim.traceHash().slice(0, 12)}):\n  - ${problems.join("\n  - ")}`,
    );
  }
}

export function shopProblems(shop: Shop): string[] {
  const problems: string[] = [];
  const order = state<OrderData>(shop, ORDER);
  const inventory = state<InventoryData>(shop, INVENTORY).data;
  const payment = state<PaymentData>(shop, PAYMENT).data;
  const sagas = Object.values(order.data.sagas);
  const completed = new Set(sagas.filter((saga) => saga.step === "completed").map((saga) => saga.orderId));

  for (const saga of sagas) {
    const charge = payment.charges[saga.orderId];
    const price = saga.pets.reduce((sum, id) => sum + (PETS[id]?.price ?? 0), 0);
    if (saga.step === "completed") {
      if (charge?.status !== "charged" || charge.amount !== price)
        problems.push(`order ${saga.orderId} completed, but its payment is ${JSON.stringify(charge)} (price ${price})`);
      for (const id of saga.pets) {
        const pet = inventory.pets[id];
        if (pet?.status !== "sold" || pet.order !== saga.orderId)
          problems.push(`order ${saga.orderId} completed, but ${id} is ${pet?.status} for ${pet?.order}`);
      }
    } else if (saga.step === "refused") {
      if (charge?.status === "charged") problems.push(`order ${saga.orderId} was refused, but its card stays charged`);
      for (const [id, pet] of Object.entries(inventory.pets))
        if (pet.order === saga.orderId) problems.push(`order ${saga.orderId} was refused, but still holds ${id}`);
    } else {
      problems.push(`order ${saga.orderId} never ended: it is still ${saga.step}`);
    }
  }

  for (const [id, pet] of Object.entries(inventory.pets)) {
    if (pet.status === "reserved") problems.push(`${id} is still reserved for ${pet.order}`);
    if (pet.status === "sold" && (pet.order === null || !completed.has(pet.order)))
      problems.push(`${id} is sold to ${pet.order}, which is not a completed order`);
    if (pet.status === "available" && pet.order !== null)
      problems.push(`${id} is available but says order ${pet.order}`);
  }
  for (const id of Object.keys(PETS)) {
    const owners = sagas.filter((saga) => saga.step === "completed" && saga.pets.includes(id));
    if (owners.length > 1) problems.push(`${id} was sold twice: ${owners.map((saga) => saga.orderId).join(", ")}`);
  }

  for (const [card, initial] of Object.entries(ACCOUNTS)) {
    const paid = sagas
      .filter((saga) => saga.card === card && completed.has(saga.orderId))
      .reduce((sum, saga) => sum + saga.amount, 0);
    const balance = payment.accounts[card];
    if (balance !== initial - paid)
      problems.push(`${card} went from ${initial} to ${balance}, but its completed orders cost ${paid}`);
  }
  const total = (values: number[]) => values.reduce((sum, value) => sum + value, 0);
  const kept = total(Object.values(payment.charges).map((c) => (c.status === "charged" ? c.amount : 0)));
  if (total(Object.values(payment.accounts)) + kept !== total(Object.values(ACCOUNTS)))
    problems.push(`money was created or lost: balances ${JSON.stringify(payment.accounts)}, charges kept ${kept}`);

  for (const shopper of shop.shoppers) {
    if (!shopper.done) problems.push(shopper.describe());
    const cart = state<CartData>(shop, shopper.cart).data;
    for (const reply of shopper.checkouts) {
      const saga = reply.orderId === undefined ? undefined : order.data.sagas[reply.orderId];
      if (saga === undefined) continue;
      const told = reply.ok ? "completed" : "refused";
      if (saga.step !== told)
        problems.push(`${shopper.plan.user} was told ${told}, but order ${saga.orderId} is ${saga.step}`);
      if (cart.orders[saga.orderId]?.outcome !== saga.step)
        problems.push(`${shopper.cart} says order ${saga.orderId} is ${cart.orders[saga.orderId]?.outcome}`);
    }
  }

  for (const id of shop.actors) {
    const outbox = Object.values(state(shop, id).outbox);
    if (outbox.length > 0)
      problems.push(
        `${id} still has requests in flight: ${outbox.map((p) => `${p.request.type} ${p.request.rid}`).join(", ")}`,
      );
  }
  return problems;
}

/** The outcome of every order, for tests that expect a specific one. */
export function outcomes(shop: Shop): Record<string, string> {
  const result: Record<string, string> = {};
  for (const saga of Object.values(state<OrderData>(shop, ORDER).data.sagas)) result[saga.orderId] = saga.step;
  return result;
}

export function accounts(shop: Shop): Record<CardId, number> {
  return state<PaymentData>(shop, PAYMENT).data.accounts;
}

export function petStatus(shop: Shop): Record<PetId, string> {
  const result: Record<PetId, string> = {};
  for (const [id, pet] of Object.entries(state<InventoryData>(shop, INVENTORY).data.pets)) result[id] = pet.status;
  return result;
}

/** Runs `scenario` over `seeds` seeds; a failure names the seed, the replay command and the trace file. */
export function eachSeed(
  name: string,
  seeds: number | number[],
  scenario: (sim: Simulator, rng: Prng, seed: number) => void,
): Promise<void> {
  return forEachSeed({
    name,
    seeds,
    lab: LAB,
    scenario: (sim, seed) => scenario(sim, Prng.derive(seed, "scenario"), seed),
  });
}
