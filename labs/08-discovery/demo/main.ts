// Lab 08's demo (`distlab demo 08`): the shop registered in etcd and in Consul (real or embedded, it says
// which); a Payment instance killed with kill -9 and another started, PetStore's view of Payment printed
// as it changes; a setting flipped in the registry and obeyed at once.
import { expectThat, http, type DemoOptions, type DemoSystem, type Narrator } from "@distlab/kit/demo";
import { adminHeaders, newCard } from "@distlab/kit/shop-testing";
import {
  demoConsul,
  demoEtcd,
  idOf,
  petstoreView,
  startPayment,
  startShop,
  timeUntil,
  type DemoRegistry,
  type DemoShop,
} from "./shop.ts";

export async function demo({ narrator, target, once }: DemoOptions): Promise<DemoSystem | undefined> {
  const etcd = await demoEtcd();
  if (typeof etcd === "string") narrator.say(`etcd: skipped — ${etcd}`);
  else {
    await scenario(narrator, etcd, target);
    await etcd.stop();
  }
  const consul = await demoConsul();
  const shop = await scenario(narrator, consul, target);
  if (once || !shop) {
    await consul.stop();
    return undefined;
  }
  return {
    guide: [
      `registry: ${consul.source}`,
      ...consul.howToLook.map((line) => `try: ${line}`),
      `PetStore's view of Payment: curl -s ${shop.petstore.url}/discovery/payment`,
      `settings of Payment: curl -s ${shop.payments[0]!.url}/config`,
    ],
    stopped: shop.petstore.exited(),
    stop: () => consul.stop(),
  };
}

async function scenario(narrator: Narrator, registry: DemoRegistry, target: string): Promise<DemoShop | undefined> {
  const shop = await narrator.step(`The shop on ${registry.kind}: ${registry.source}`, async () => {
    const started = await startShop(registry, target);
    await timeUntil(
      "both Payment instances in PetStore's resolver",
      async () => (await petstoreView(started.petstore)).ids.length === 2,
    );
    for (const service of ["kv", "payment", "petstore"])
      narrator.say(`${service}: ${(await registry.ids(service)).join(", ")}`);
    return started;
  });
  if (!shop) return undefined;
  await narrator.step("PetStore's resolver holds Payment's healthy instances, kept current by a watch", async () => {
    const view = await petstoreView(shop.petstore);
    narrator.say(`GET /discovery/payment → connected: ${view.connected}, instances: ${view.ids.join(", ")}`);
    expectThat(view.connected && view.ids.length === 2, "PetStore should see two connected Payment instances");
  });
  await crashAndReplace(narrator, registry, shop, target);
  await flipReadOnly(narrator, registry, shop);
  return shop;
}

async function crashAndReplace(narrator: Narrator, registry: DemoRegistry, shop: DemoShop, target: string) {
  await narrator.step("kill -9 one Payment instance: the registry notices on its own", async () => {
    const victim = shop.payments.shift()!;
    const victimId = idOf(await registry.ids("payment"), victim);
    await victim.kill("SIGKILL");
    const gone = await timeUntil(
      "the registry dropping it",
      async () => !(await registry.ids("payment")).includes(victimId),
    );
    const seen = await timeUntil(
      "PetStore dropping it",
      async () => !(await petstoreView(shop.petstore)).ids.includes(victimId),
    );
    const how = registry.kind === "etcd" ? "its lease expired (TTL 2 s)" : "its HTTP check failed (every 1 s)";
    narrator.say(
      `${victimId}: gone from ${registry.kind} after ${gone} ms — ${how} — and from PetStore ${seen} ms later`,
    );
  });
  await narrator.step("Start a new Payment instance: PetStore sees it as soon as it is healthy", async () => {
    const newcomer = await startPayment(registry, target, shop.kv.url);
    shop.payments.push(newcomer);
    const waited = await timeUntil(
      "PetStore seeing it",
      async () => (await petstoreView(shop.petstore)).ids.length === 2,
    );
    narrator.say(`new instance on port ${newcomer.port}: in PetStore's resolver ${waited} ms after it listened`);
  });
}

async function flipReadOnly(narrator: Narrator, registry: DemoRegistry, shop: DemoShop) {
  await narrator.step("Flip read-only for Payment in the registry's KV: applied live, then flipped back", async () => {
    const payment = shop.payments[0]!;
    const write = () => http(payment.url, "POST", "/accounts", { card: newCard(), balance: 10 }, adminHeaders);
    await registry.setConfig("payment", "read-only", "true");
    const applied = await timeUntil("writes refused", async () => (await write()).status === 503);
    narrator.say(`read-only=true → POST /accounts answers 503 after ${applied} ms`);
    await registry.setConfig("payment", "read-only", "false");
    await timeUntil("writes accepted", async () => (await write()).status === 201);
    narrator.say("read-only=false → POST /accounts answers 201 again");
  });
}
