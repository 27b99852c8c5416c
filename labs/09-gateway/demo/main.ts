// Lab 09's demo (`distlab demo 09`): the shop behind the gateway; a load runs while an instance is killed;
// Payment fails and its circuit breaker opens and closes; a client goes over its rate limit; the metrics.
import { expectThat, http, type DemoOptions, type DemoSystem, type Narrator } from "@distlab/kit/demo";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ADMIN_TOKEN,
  BREAKER_OPEN_MS,
  RATE,
  backgroundLoad,
  metricsExcerpt,
  startDemoShop,
  type DemoShop,
} from "./system.ts";

const CARD = "4242424242424242";

async function breakerOf(gateway: string): Promise<string> {
  return (await http(gateway, "GET", "/_gateway/upstreams")).body.payment.breaker;
}

async function stockTheShop(narrator: Narrator, api: string) {
  await narrator.step("Through the gateway: stock the shop, open an account, browse", async () => {
    const pet = await http(
      api,
      "POST",
      "/api/petstore/pets",
      { name: "Rex", species: "dog", price: 12_000 },
      ADMIN_TOKEN,
    );
    const account = await http(api, "POST", "/api/payment/accounts", { card: CARD, balance: 50_000 }, ADMIN_TOKEN);
    const pets = await http(api, "GET", "/api/petstore/pets", undefined, { "x-request-id": "demo-browse-1" });
    narrator.say(`POST /api/petstore/pets → ${pet.status}; POST /api/payment/accounts → ${account.status}`);
    narrator.say(
      `GET /api/petstore/pets → ${pets.status}, ${pets.body?.items?.length} pet(s), x-request-id: ${pets.headers.get("x-request-id")}`,
    );
    expectThat(
      pet.status === 201 && account.status === 201 && pets.status === 200,
      "the shop should answer through the gateway",
    );
  });
}

async function killUnderLoad(narrator: Narrator, shop: DemoShop) {
  await narrator.step("A load runs; one PetStore is killed with kill -9; the clients notice nothing", async () => {
    const load = backgroundLoad(`${shop.gateway.url}/api/petstore/pets`, 8);
    await sleep(1_500);
    narrator.say(`before the kill: ${load.tally.ok} answers, ${load.tally.failed} failures`);
    await shop.petstores[0]!.kill("SIGKILL");
    narrator.say(`kill -9 PetStore at ${shop.petstores[0]!.url}`);
    await sleep(2_500);
    const result = await load.stop();
    const view = await http(shop.gateway.url, "GET", "/_gateway/upstreams");
    for (const instance of view.body.petstore.instances) {
      narrator.say(`  ${instance.key}: healthy ${instance.healthy}, ejected ${instance.ejected}`);
    }
    narrator.say(
      `the load: ${result.ok} answers (${Math.round(result.ok / result.seconds)}/s), ${result.failed} failures`,
    );
    expectThat(result.failed === 0, "no GET should fail: retries and ejection hide the dead instance");
  });
}

async function breakerOpensAndCloses(narrator: Narrator, shop: DemoShop) {
  await narrator.step(
    "Payment starts failing: its breaker opens, answers at once, then closes once Payment is back",
    async () => {
      const api = shop.gateway.url;
      shop.paymentFaults.addRule({ id: "payment-down", fault: "reset" });
      const failures = [];
      for (let i = 0; i < 3; i++)
        failures.push((await http(api, "GET", `/api/payment/accounts/${CARD}`, undefined, ADMIN_TOKEN)).status);
      const refused = await http(api, "GET", `/api/payment/accounts/${CARD}`, undefined, ADMIN_TOKEN);
      narrator.say(`three calls fail (${failures.join(", ")}); the breaker is ${await breakerOf(api)}`);
      narrator.say(`the next call → ${refused.status} at once, Retry-After: ${refused.headers.get("retry-after")} s`);
      expectThat(refused.status === 503 && (await breakerOf(api)) === "open", "the breaker should be open");
      shop.paymentFaults.removeRule("payment-down");
      await sleep(BREAKER_OPEN_MS + 200);
      narrator.say(`Payment is back; ${BREAKER_OPEN_MS / 1000} s later the breaker is ${await breakerOf(api)}`);
      const probe = await http(api, "GET", `/api/payment/accounts/${CARD}`, undefined, ADMIN_TOKEN);
      narrator.say(`a probe → ${probe.status}; the breaker is ${await breakerOf(api)}`);
      expectThat(probe.status === 200 && (await breakerOf(api)) === "closed", "a good probe should close the breaker");
    },
  );
}

async function rateLimited(narrator: Narrator, api: string) {
  await narrator.step(
    `A partner goes over its rate limit on /api/partner (${RATE.capacity} at once, ${RATE.refillPerSecond}/s per API key)`,
    async () => {
      // The burst is sent at once: the bucket has no time to refill in between.
      const burst = await Promise.all(
        Array.from({ length: RATE.capacity + 5 }, () =>
          http(api, "GET", "/api/partner/pets", undefined, { "x-api-key": "greedy-client" }),
        ),
      );
      const statuses = burst.map((answer) => answer.status);
      const refused = burst.find((answer) => answer.status === 429);
      const limited = statuses.filter((status) => status === 429).length;
      narrator.say(`${statuses.length} requests in a burst: ${statuses.length - limited} × 200, ${limited} × 429`);
      narrator.say(
        `429: Retry-After ${refused?.headers.get("retry-after")} s, RateLimit: ${refused?.headers.get("ratelimit")}`,
      );
      const other = await http(api, "GET", "/api/partner/pets", undefined, { "x-api-key": "polite-client" });
      narrator.say(`another client at the same moment → ${other.status}`);
      expectThat(limited > 0 && other.status === 200, "only the greedy client should be limited");
    },
  );
}

export async function demo({ narrator, target }: DemoOptions): Promise<DemoSystem | undefined> {
  const shop = await narrator.step(
    "Start the shop (KV, Payment, two PetStores) and the gateway in front of it",
    async () => {
      const started = await startDemoShop(target);
      narrator.say(`gateway  ${started.gateway.url}   (/_gateway/config, /_gateway/upstreams, /metrics)`);
      narrator.say(`PetStore ${started.petstores.map((petstore) => petstore.url).join(", ")}   behind /api/petstore`);
      narrator.say(`Payment  ${started.payment.url} (through a fault proxy)   behind /api/payment`);
      return started;
    },
  );
  if (!shop) return undefined;
  const api = shop.gateway.url;
  await stockTheShop(narrator, api);
  await killUnderLoad(narrator, shop);
  await breakerOpensAndCloses(narrator, shop);
  await rateLimited(narrator, api);
  await narrator.step("What the gateway counted (/metrics)", async () => {
    for (const line of await metricsExcerpt(api)) narrator.say(line);
  });
  return {
    guide: [
      `gateway ${api}: try curl -s ${api}/api/petstore/pets ; curl -s ${api}/_gateway/upstreams`,
      `metrics: curl -s ${api}/metrics | grep ^gateway_`,
      `make Payment fail: curl -s -X POST ${shop.paymentFaults.adminUrl}/_faults/rules -d '{"fault":"reset"}'`,
    ],
    stopped: Promise.race([shop.gateway.exited(), shop.kv.exited()]),
    stop: async () => {
      await shop.gateway.kill("SIGTERM");
      await Promise.all(shop.petstores.map((petstore) => petstore.kill("SIGTERM")));
      await shop.paymentFaults.close();
      await shop.payment.kill("SIGTERM");
      await shop.kv.kill("SIGTERM");
    },
  };
}
