// Lab 04 live: the checkout actors that the tests drive on the simulator, here on real timers, JSON files
// and a real message bus (NATS when nats-server is installed, else the embedded in-process transport).
// A wire tap between the actors and the bus prints every message and injects the faults of the scenario.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLiveCluster, type LiveCluster, type NodeId } from "@distlab/kit/sim";
import type { InventoryData, Pet } from "@distlab/lab/04-actors/inventory.ts";
import type { OrderData } from "@distlab/lab/04-actors/order.ts";
import type { PaymentData } from "@distlab/lab/04-actors/payment.ts";
import type { ActorState } from "@distlab/lab/04-actors/reliable.ts";
import type { ShopConfig, ShopNode } from "@distlab/lab/04-actors/shop.ts";
import { expectThat, type DemoOptions, type DemoSystem } from "@distlab/kit/demo";
import { Shoppers, Supervisor, WireTap, openBus, stateOf, type Bus } from "./live.ts";

const CATALOGUE: Record<string, Pet> = {
  rex: { name: "Rex", species: "dog", price: 120 },
  tom: { name: "Tom", species: "cat", price: 80 },
  nemo: { name: "Nemo", species: "fish", price: 15 },
  polly: { name: "Polly", species: "parrot", price: 60 },
};
const ACCOUNTS: Record<string, number> = { "card-alice": 500, "card-bob": 200, "card-dave": 1000 };
const USERS = ["alice", "bob", "dave"];
/** How often a shopper asks its cart again, and when it gives up. */
export async function demo({ narrator }: DemoOptions): Promise<DemoSystem | undefined> {
  // The lab's code under demonstration (the reference, or --target's): the actors run in this process.
  const { shopActors } = (await import("@distlab/lab/04-actors/shop.ts")) as {
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
