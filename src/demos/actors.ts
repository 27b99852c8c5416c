// Lab 04 live: the checkout actors that the tests drive on the simulator, here on real timers, JSON files
// and a real message bus (NATS when nats-server is installed, else the embedded in-process transport).
// A wire tap between the actors and the bus prints every message and injects the faults of the scenario.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { findNats } from "@distlab/kit/infra";
import {
  createNatsTransport,
  EmbeddedTransport,
  startLiveCluster,
  type LiveCluster,
  type NodeId,
  type Transport,
} from "@distlab/kit/sim";
import type { InventoryData, Pet } from "../../labs/04-actors/src/inventory.ts";
import type { Message, ReplyBody, ShopRequest } from "../../labs/04-actors/src/messages.ts";
import type { OrderData } from "../../labs/04-actors/src/order.ts";
import type { PaymentData } from "../../labs/04-actors/src/payment.ts";
import type { ActorState } from "../../labs/04-actors/src/reliable.ts";
import type { ShopConfig, ShopNode } from "../../labs/04-actors/src/shop.ts";
import { expectThat, type DemoSystem, type Narrator } from "./narrator.ts";

const CATALOGUE: Record<string, Pet> = {
  rex: { name: "Rex", species: "dog", price: 120 },
  tom: { name: "Tom", species: "cat", price: 80 },
  nemo: { name: "Nemo", species: "fish", price: 15 },
  polly: { name: "Polly", species: "parrot", price: 60 },
};
const ACCOUNTS: Record<string, number> = { "card-alice": 500, "card-bob": 200, "card-dave": 1000 };
const USERS = ["alice", "bob", "dave"];
/** How often a shopper asks its cart again, and when it gives up. */
const SHOPPER_RETRY_MS = 500;
const SHOPPER_PATIENCE_MS = 15_000;

type Fault = "drop" | "duplicate" | undefined;
type FaultRule = (from: NodeId, to: NodeId, msg: Message) => Fault;
const FAULT_NOTE = { drop: "lost on the way", duplicate: "delivered twice" } as const;
/** How many times the supervisor restarts a failing actor before it gives up (Erlang's restart intensity). */
const MAX_RESTARTS = 3;

/** Sits between the actors and the bus: prints each message and applies the scenario's faults. */
class WireTap implements Transport {
  rule: FaultRule = () => undefined;
  echo = true;
  readonly sent: Array<{ from: NodeId; to: NodeId; msg: Message; at: number }> = [];
  /** Called after a message leaves, e.g. to crash its sender at a chosen moment. */
  afterSend: (from: NodeId, to: NodeId, msg: Message) => void = () => {};

  constructor(
    private readonly inner: Transport,
    private readonly narrator: Narrator,
  ) {}

  attach(id: NodeId, deliver: (from: NodeId, msg: unknown) => void): Promise<void> {
    return this.inner.attach(id, deliver);
  }

  detach(id: NodeId): Promise<void> {
    return this.inner.detach(id);
  }

  send(from: NodeId, to: NodeId, msg: unknown): void {
    const message = msg as Message;
    const fault = this.rule(from, to, message);
    this.sent.push({ from, to, msg: message, at: Date.now() });
    if (this.echo)
      this.narrator.say(`${describeMessage(from, to, message)}${fault ? `   ⚡ ${FAULT_NOTE[fault]}` : ""}`);
    if (fault !== "drop") this.inner.send(from, to, msg);
    if (fault === "duplicate") this.inner.send(from, to, msg);
    this.afterSend(from, to, message);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function describeMessage(from: NodeId, to: NodeId, msg: Message): string {
  const route = `${from} → ${to}`.padEnd(24);
  if (msg.type === "reply") {
    const body = msg.body;
    return `${route} reply to ${msg.rid}: ${body.ok ? `ok${body.amount === undefined ? "" : ` ${body.amount}`}` : `refused (${body.reason})`}`;
  }
  const detail =
    "orderId" in msg ? ` ${msg.orderId}` : msg.type === "addToCart" ? ` ${msg.petId}` : ` with ${msg.card}`;
  return `${route} ${msg.type}${detail} (${msg.rid})`;
}

interface Bus {
  transport: Transport;
  description: string;
  stop(): Promise<void>;
}

/** NATS_URL if set; else a nats-server started here on a free loopback port; else the embedded transport. */
async function openBus(cluster: string): Promise<Bus> {
  const lookup = await findNats();
  if (lookup.server === null) {
    return {
      transport: new EmbeddedTransport(),
      description: `the embedded in-process transport, messages stay inside this process (${lookup.reason})`,
      stop: async () => {},
    };
  }
  const server = lookup.server;
  try {
    const transport = await createNatsTransport({ servers: server.url, cluster });
    const origin = server.pid === null ? `from ${server.source}` : `${server.source}, started for this demo`;
    return { transport, description: `NATS at ${server.url} (${origin})`, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** The shoppers: clients on the bus that ask their cart again until it answers. */
class Shoppers {
  private readonly waiting = new Map<string, { resolve: (body: ReplyBody) => void; stop: (error: Error) => void }>();
  private seq = 0;

  constructor(private readonly transport: Transport) {}

  async attach(users: string[]): Promise<void> {
    for (const user of users) {
      await this.transport.attach(user, (_from, msg) => {
        const reply = msg as Message;
        if (reply.type === "reply") this.waiting.get(reply.rid)?.resolve(reply.body);
      });
    }
  }

  /** Stops every shopper still waiting, and takes them off the bus. */
  async close(users: string[]): Promise<void> {
    for (const pending of [...this.waiting.values()]) pending.stop(new Error("the demo stopped"));
    for (const user of users) await this.transport.detach(user);
  }

  /** Sends one request from `user` to their cart (again every 500 ms) and resolves with the first answer. */
  ask(user: string, request: Record<string, unknown> & { type: ShopRequest["type"] }): Promise<ReplyBody> {
    const rid = `${user}#${++this.seq}`;
    const message = { ...request, rid };
    return new Promise((resolve, reject) => {
      const resend = setInterval(() => this.transport.send(user, `cart-${user}`, message), SHOPPER_RETRY_MS);
      const giveUp = setTimeout(
        () => stop(new Error(`${user}'s cart did not answer ${request.type} within ${SHOPPER_PATIENCE_MS / 1000} s`)),
        SHOPPER_PATIENCE_MS,
      );
      const done = () => {
        clearInterval(resend);
        clearTimeout(giveUp);
        this.waiting.delete(rid);
      };
      const stop = (error: Error) => {
        done();
        reject(error);
      };
      this.waiting.set(rid, {
        resolve: (body) => {
          done();
          resolve(body);
        },
        stop,
      });
      this.transport.send(user, `cart-${user}`, message);
    });
  }

  async checkout(user: string, pets: string[], card: string): Promise<ReplyBody> {
    for (const petId of pets) await this.ask(user, { type: "addToCart", petId });
    return this.ask(user, { type: "checkout", card });
  }
}

/** Restarts an actor whose handler threw, from its file ("let it crash"); past MAX_RESTARTS, gives up. */
class Supervisor {
  cluster: LiveCluster | undefined;
  private restarts = 0;
  private stopped = false;
  private giveUp: (error: Error) => void = () => {};
  /** Rejects when the supervisor gives up: the demo's steps race against it instead of waiting in vain. */
  readonly gaveUp = new Promise<never>((_resolve, reject) => (this.giveUp = reject));

  constructor(private readonly narrator: Narrator) {
    this.gaveUp.catch(() => {});
  }

  handleFailure(id: NodeId, error: unknown): void {
    const node = this.cluster?.nodes.get(id);
    const reason = error instanceof Error ? error.message : String(error);
    this.narrator.say(`✗ ${id} failed: ${reason}`);
    if (!node) return;
    node.crash();
    if (this.stopped) return;
    if (++this.restarts > MAX_RESTARTS) {
      this.stopped = true;
      this.narrator.say(`supervisor: ${id} keeps failing; giving up after ${MAX_RESTARTS} restarts`);
      this.giveUp(new Error(`${id} keeps failing: ${reason}`));
      return;
    }
    setTimeout(() => {
      if (this.stopped || node.isRunning) return;
      this.narrator.say(`supervisor: restarting ${id} from ${id}.json`);
      node.restart();
    }, 200);
  }

  /** The work, unless the supervisor gives up first. */
  guard<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.gaveUp]);
  }
}

function stateOf<D>(cluster: LiveCluster, id: NodeId): D {
  const node = cluster.nodes.get(id);
  const state = node?.state as ActorState<D> | undefined;
  if (state === undefined) throw new Error(`${id} is not running`);
  return state.data;
}

/** Lab 04: a checkout between actors over a real bus, with a lost and a duplicated message and a crash. */
export async function actorsDemo(narrator: Narrator, target: string): Promise<DemoSystem | undefined> {
  const { shopActors } = (await import(pathToFileURL(join(target, "src", "shop.ts")).href)) as {
    shopActors: (config: ShopConfig) => Record<NodeId, ShopNode>;
  };
  const dataDir = await mkdtemp(join(tmpdir(), "distlab-actors-"));
  let bus: Bus | undefined;
  let cluster: LiveCluster | undefined;
  let shoppers: Shoppers | undefined;
  const supervisor = new Supervisor(narrator);
  try {
    bus = await narrator.step("Open a message bus", async () => {
      const opened = await openBus(`actors${process.pid}`);
      narrator.say(`using ${opened.description}`);
      return opened;
    });
    if (!bus) return undefined;
    const tap = new WireTap(bus.transport, narrator);

    cluster = await narrator.step("Start the actors: a cart per shopper, order, inventory, payment", async () => {
      const defs = shopActors({ users: USERS, catalogue: CATALOGUE, accounts: ACCOUNTS });
      const started = await startLiveCluster(defs, {
        transport: tap,
        dataDir,
        onLog: () => {},
        onError: (id, error) => supervisor.handleFailure(id, error),
      });
      narrator.say(`${[...started.nodes.keys()].join(", ")} — each stores its state in ${dataDir}/<actor>.json`);
      narrator.say(
        `pets: ${Object.entries(CATALOGUE)
          .map(([id, pet]) => `${id} ${pet.price}`)
          .join(", ")}`,
      );
      narrator.say(
        `cards: ${Object.entries(ACCOUNTS)
          .map(([card, balance]) => `${card} ${balance}`)
          .join(", ")}`,
      );
      return started;
    });
    if (!cluster) return undefined;
    const live = cluster;

    supervisor.cluster = live;
    shoppers = new Shoppers(tap);
    await shoppers.attach(USERS);
    const shop = shoppers;
    const checkout = (user: string, pets: string[], card: string) => supervisor.guard(shop.checkout(user, pets, card));

    await narrator.step("Alice buys rex and nemo on a clean network: reserve → charge → sell", async () => {
      const reply = await checkout("alice", ["rex", "nemo"], "card-alice");
      narrator.say(`alice is told: ${JSON.stringify(reply)}`);
      expectThat(reply.ok && reply.amount === 135, "alice's order should complete for 135");
      expectThat(stateOf<PaymentData>(live, "payment").accounts["card-alice"] === 365, "card-alice should hold 365");
    });

    await narrator.step("Bob buys tom; the bus loses the first charge and duplicates every reserve", async () => {
      let charges = 0;
      tap.rule = (_from, _to, msg) =>
        msg.type === "charge" && ++charges === 1 ? "drop" : msg.type === "reserve" ? "duplicate" : undefined;
      const reply = await checkout("bob", ["tom"], "card-bob");
      tap.rule = () => undefined;
      narrator.say(`bob is told: ${JSON.stringify(reply)}`);
      narrator.say(`the order sent the charge ${charges} times (same request id); payment applied it once`);
      expectThat(reply.ok, "bob's order should complete");
      expectThat(charges >= 2, "the lost charge should have been retransmitted");
      expectThat(stateOf<PaymentData>(live, "payment").accounts["card-bob"] === 120, "card-bob should be charged once");
    });

    await narrator.step("Dave buys polly; the order actor crashes right after asking for the charge", async () => {
      const order = live.nodes.get("order")!;
      let crashed = false;
      tap.afterSend = (from, _to, msg) => {
        if (crashed || from !== "order" || msg.type !== "charge") return;
        crashed = true;
        // Crash once this handler has returned (its state is on disk) and before payment's reply comes in.
        setImmediate(() => {
          order.crash();
          narrator.say("💥 order crashed: memory and timers gone, order.json kept");
        });
        setTimeout(() => {
          order.restart();
          const saga = Object.values(stateOf<OrderData>(live, "order").sagas).find((s) => s.step === "charging");
          narrator.say(`supervisor: order restarted from order.json, saga ${saga?.orderId} resumes at "${saga?.step}"`);
        }, 500);
      };
      const reply = await checkout("dave", ["polly"], "card-dave");
      tap.afterSend = () => {};
      narrator.say(`dave is told: ${JSON.stringify(reply)}`);
      expectThat(crashed, "the order actor should have crashed mid-saga");
      expectThat(reply.ok, "dave's order should complete after the restart");
      expectThat(
        stateOf<PaymentData>(live, "payment").accounts["card-dave"] === 940,
        "card-dave should be charged once",
      );
      const stored = JSON.parse(await readFile(join(dataDir, "order.json"), "utf8")) as {
        actor: ActorState<OrderData>;
      };
      const { data, outbox, seen } = stored.actor;
      narrator.say(
        `order.json: ${Object.keys(data.sagas).length} sagas, ${Object.keys(outbox).length} requests in flight, ` +
          `${Object.keys(seen).length} requests in its dedup table`,
      );
    });

    await narrator.step("Bob tries to buy rex, which alice owns: refused cleanly, nothing charged", async () => {
      const reply = await checkout("bob", ["rex"], "card-bob");
      narrator.say(`bob is told: ${JSON.stringify(reply)}`);
      expectThat(!reply.ok, "the order should be refused");
      expectThat(stateOf<PaymentData>(live, "payment").accounts["card-bob"] === 120, "card-bob should be unchanged");
    });

    await narrator.step("The books balance: every order ended, money conserved, no pet sold twice", async () => {
      tap.echo = false;
      const sagas = Object.values(stateOf<OrderData>(live, "order").sagas);
      const payment = stateOf<PaymentData>(live, "payment");
      const pets = stateOf<InventoryData>(live, "inventory").pets;
      const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
      const kept = sum(Object.values(payment.charges).map((c) => (c.status === "charged" ? c.amount : 0)));
      narrator.say(`orders: ${sagas.map((saga) => `${saga.orderId} ${saga.step}`).join(", ")}`);
      narrator.say(
        `pets: ${Object.entries(pets)
          .map(([id, pet]) => `${id} ${pet.status}`)
          .join(", ")}`,
      );
      narrator.say(
        `balances ${sum(Object.values(payment.accounts))} + charges kept ${kept} = ${sum(Object.values(ACCOUNTS))}`,
      );
      expectThat(
        sagas.every((saga) => saga.step === "completed" || saga.step === "refused"),
        "every order should have ended",
      );
      expectThat(sum(Object.values(payment.accounts)) + kept === sum(Object.values(ACCOUNTS)), "money is conserved");
      const sold = sagas.filter((saga) => saga.step === "completed").flatMap((saga) => saga.pets);
      expectThat(new Set(sold).size === sold.length, "no pet is sold twice");
      narrator.say(`${tap.sent.length} messages crossed the bus`);
    });
    return undefined;
  } finally {
    if (shoppers) await shoppers.close(USERS).catch(() => {});
    if (cluster) await cluster.stop().catch(() => {});
    else await bus?.transport.close().catch(() => {});
    await bus?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
