// Lab 02's demo (`distlab demo 02`).
import { expectThat, http, type DemoOptions, type DemoSystem } from "@distlab/kit/demo";
import { startFaultProxy } from "@distlab/kit/faults";
import { startService } from "@distlab/kit/harness";

const ADMIN_TOKEN = "demo-admin-token";
const CARD = "4242424242424242";

const euros = (cents: number) => `${(cents / 100).toFixed(2)} €`;

/**
 * Lab 02: PetStore charges through Payment across a fault proxy, both keeping their state in the KV. The
 * proxy drops Payment's reply to a charge; PetStore retries with the same idempotency key and the card is
 * debited once. Then Payment goes silent, and PetStore answers 503 within its deadline, cart intact.
 */
export async function demo({ narrator, target }: DemoOptions): Promise<DemoSystem | undefined> {
  const system = await narrator.step(
    "Start KV, Payment and PetStore, with a fault proxy between PetStore and Payment",
    async () => {
      const kv = await startService({ lab: "01-kv", service: "kv" });
      const common = { ADMIN_TOKEN, KV_URL: kv.url };
      const payment = await startService({ lab: "02-rpc", service: "payment", target, env: common });
      const proxy = await startFaultProxy({ upstream: payment.url, seed: 2 });
      const petstore = await startService({
        lab: "02-rpc",
        service: "petstore",
        target,
        env: { ...common, PAYMENT_URL: proxy.url, PAYMENT_TIMEOUT_MS: "500", PAYMENT_DEADLINE_MS: "1500" },
      });
      narrator.say(`KV       ${kv.url}`);
      narrator.say(`Payment  ${payment.url}   (docs: ${payment.url}/docs)`);
      narrator.say(`proxy    ${proxy.url} → Payment`);
      narrator.say(`PetStore ${petstore.url}   (docs: ${petstore.url}/docs)   admin token: ${ADMIN_TOKEN}`);
      return { kv, payment, proxy, petstore };
    },
  );
  if (!system) return undefined;
  const { kv, payment, proxy, petstore } = system;
  const shop = petstore.url;

  const stock = await narrator.step("The admin stocks the shop and opens an account for a card", async () => {
    const rex = await http(shop, "POST", "/pets", { name: "Rex", species: "dog", price: 12_000 }, ADMIN_TOKEN);
    const tom = await http(shop, "POST", "/pets", { name: "Tom", species: "cat", price: 8_000 }, ADMIN_TOKEN);
    const account = await http(payment.url, "POST", "/accounts", { card: CARD, balance: 50_000 }, ADMIN_TOKEN);
    narrator.say(`POST /pets → ${rex.status} Rex (${euros(12_000)}), ${tom.status} Tom (${euros(8_000)})`);
    narrator.say(
      `POST /accounts → ${account.status}, card ****${CARD.slice(-4)} holds ${euros(account.body?.balance)}`,
    );
    expectThat(
      rex.status === 201 && tom.status === 201 && account.status === 201,
      "pets and account should be created",
    );
    return { rex: rex.body.id as string, tom: tom.body.id as string };
  });

  const token = await narrator.step("Alice registers, logs in, browses and puts Rex in her cart", async () => {
    await http(shop, "POST", "/users", { username: "alice", password: "correct horse battery" });
    const session = await http(shop, "POST", "/sessions", { username: "alice", password: "correct horse battery" });
    narrator.say(`POST /sessions → ${session.status}, a bearer token valid until ${session.body?.expiresAt}`);
    const pets = await http(shop, "GET", "/pets?available=true&species=dog");
    narrator.say(
      `GET /pets?available=true&species=dog → ${pets.body.items.map((pet: { name: string }) => pet.name).join(", ")}`,
    );
    const cart = await http(shop, "POST", "/cart/items", { petId: stock?.rex }, session.body.token);
    narrator.say(`POST /cart/items → ${cart.status}; Rex is now ${cart.body?.items?.[0]?.pet.status} for her`);
    expectThat(session.status === 201 && cart.status === 200, "login and cart should work");
    return session.body.token as string;
  });

  await narrator.step("The network loses Payment's reply to the charge; PetStore retries it safely", async () => {
    proxy.addRule({
      id: "lose-the-reply",
      fault: "drop-response",
      route: { method: "POST", path: "/charges" },
      times: 1,
    });
    narrator.say("fault armed: the proxy forwards the next POST /charges, lets Payment finish, then hangs up");
    const order = await http(shop, "POST", "/checkout", { card: CARD }, token);
    const stats = proxy.stats();
    narrator.say(`POST /checkout → ${order.status}, order ${order.body?.id} for ${euros(order.body?.total ?? 0)}`);
    narrator.say(
      `the proxy forwarded ${stats.forwarded} charge requests and dropped ${stats.rules[0]?.fired ?? 0} reply: ` +
        `PetStore sent the charge again, under the same idempotency key (${order.body?.chargeId})`,
    );
    expectThat(order.status === 201, "the checkout should succeed despite the lost reply");
    expectThat(stats.forwarded >= 2, "PetStore should have sent the charge a second time");
    const charge = await http(payment.url, "GET", `/charges/${order.body.chargeId}`);
    const account = await http(payment.url, "GET", `/accounts/${CARD}`, undefined, ADMIN_TOKEN);
    const orders = await http(shop, "GET", "/orders", undefined, token);
    narrator.say(`Payment: charge ${charge.body.status}; balance ${euros(50_000)} → ${euros(account.body.balance)}`);
    narrator.say(`PetStore: ${orders.body.items.length} order`);
    expectThat(account.body.balance === 50_000 - 12_000, "the card should be debited exactly once");
    expectThat(orders.body.items.length === 1, "there should be exactly one order");
  });

  await narrator.step("Payment goes silent: PetStore answers 503 within its deadline and keeps the cart", async () => {
    await http(shop, "POST", "/cart/items", { petId: stock?.tom }, token);
    proxy.addRule({ id: "silence", fault: "blackhole", route: { method: "POST", path: "/charges" } });
    const started = Date.now();
    const refused = await http(shop, "POST", "/checkout", { card: CARD }, token);
    narrator.say(
      `POST /checkout → ${refused.status} after ${Date.now() - started} ms (PetStore's deadline: 1500 ms), ` +
        `Retry-After: ${refused.headers.get("retry-after")}`,
    );
    const cart = await http(shop, "GET", "/cart", undefined, token);
    narrator.say(`GET /cart → ${cart.body.items.length} pet, checkout pending: ${cart.body.checkoutPending}`);
    expectThat(refused.status === 503 && refused.headers.has("retry-after"), "should answer 503 with Retry-After");
    expectThat(cart.body.items.length === 1, "the cart should be intact");
    proxy.removeRule("silence");
    const retried = await http(shop, "POST", "/checkout", { card: CARD }, token);
    const account = await http(payment.url, "GET", `/accounts/${CARD}`, undefined, ADMIN_TOKEN);
    narrator.say(
      `Payment is back: the retried checkout → ${retried.status}; balance now ${euros(account.body.balance)}`,
    );
    expectThat(retried.status === 201 && account.body.balance === 50_000 - 20_000, "the retry should charge once");
  });
  return {
    guide: [
      `PetStore ${shop}   (API docs: ${shop}/docs)`,
      `Payment  ${payment.url}   (API docs: ${payment.url}/docs), through the fault proxy at ${proxy.url}`,
      `KV       ${kv.url}`,
      `try: curl -s '${shop}/pets?species=dog'`,
      `     curl -s ${proxy.url}/_faults/rules   (the proxy's rules; POST one to inject a fault)`,
    ],
    stopped: Promise.race([kv.exited(), payment.exited(), petstore.exited()]),
    stop: async () => {
      await petstore.kill("SIGTERM");
      await proxy.close();
      await payment.kill("SIGTERM");
      await kv.kill("SIGTERM");
    },
  };
}
