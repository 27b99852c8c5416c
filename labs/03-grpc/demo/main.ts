// Lab 03's demo (`distlab demo 03`).
import * as grpc from "@grpc/grpc-js";
import { expectThat, http, type DemoOptions, type DemoSystem } from "@distlab/kit/demo";
import { startTcpFaultProxy } from "@distlab/kit/faults";
import { startService } from "@distlab/kit/harness";
import { grpcPort as grpcPortOf, paymentClient, unary, type Transaction } from "../tests/grpc.ts";

const ADMIN_TOKEN = "demo-admin-token";
const CARD = "4242424242424242";

/** Opens WatchTransactions, takes `count` transactions, and hangs up. */
function watchSome(client: grpc.Client, card: string, count: number, resumeToken = ""): Promise<Transaction[]> {
  const start = (
    client as unknown as Record<string, (...args: unknown[]) => grpc.ClientReadableStream<Transaction>>
  ).WatchTransactions!.bind(client);
  const stream = start({ card, resumeToken });
  const items: Transaction[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.cancel();
      reject(new Error(`only ${items.length} of ${count} transactions arrived within 10 s`));
    }, 10_000);
    stream.on("data", (item: Transaction) => {
      items.push(item);
      if (items.length === count) {
        clearTimeout(timer);
        stream.cancel();
        resolve(items);
      }
    });
    stream.on("error", (error: grpc.ServiceError) => {
      clearTimeout(timer);
      if (error.code !== grpc.status.CANCELLED) reject(new Error(`${grpc.status[error.code]}: ${error.details}`));
    });
  });
}

const euros = (cents: number) => `${(cents / 100).toFixed(2)} €`;
const describe = (t: Transaction) =>
  `#${t.sequence} ${t.kind.replace("TRANSACTION_KIND_", "").toLowerCase()} ${euros(t.amountCents)} → ${euros(t.balanceCents)}`;

/**
 * Lab 03: PetStore charges through Payment over gRPC, across a TCP fault proxy. The proxy resets
 * PetStore's first connection and the service config's retry policy retries the UNAVAILABLE charge, once
 * debited; a call whose deadline passes ends DEADLINE_EXCEEDED; WatchTransactions streams a card's money
 * movements and picks up after a reconnect from its resume token.
 */
export async function demo({ narrator, target }: DemoOptions): Promise<DemoSystem | undefined> {
  const system = await narrator.step(
    "Start KV, Payment (HTTP and gRPC), a TCP fault proxy, and PetStore calling Payment over gRPC",
    async () => {
      const kv = await startService({ lab: "01-kv", service: "kv" });
      const common = { ADMIN_TOKEN, KV_URL: kv.url };
      const payment = await startService({ lab: "03-grpc", service: "payment", target, env: common });
      const grpcPort = await grpcPortOf(payment);
      const proxy = await startTcpFaultProxy({ upstream: { host: "127.0.0.1", port: grpcPort }, seed: 3 });
      const petstore = await startService({
        lab: "03-grpc",
        service: "petstore",
        target,
        env: { ...common, PAYMENT_TRANSPORT: "grpc", PAYMENT_GRPC_TARGET: `127.0.0.1:${proxy.port}` },
      });
      const client = paymentClient(`127.0.0.1:${grpcPort}`);
      narrator.say(`KV       ${kv.url}`);
      narrator.say(`Payment  ${payment.url} (HTTP, docs at /docs) and 127.0.0.1:${grpcPort} (gRPC, payment.proto)`);
      narrator.say(`proxy    127.0.0.1:${proxy.port} → Payment's gRPC port (TCP: it sees bytes, not calls)`);
      narrator.say(`PetStore ${petstore.url}, PAYMENT_TRANSPORT=grpc   admin token: ${ADMIN_TOKEN}`);
      return { kv, payment, petstore, proxy, client, grpcPort };
    },
  );
  if (!system) return undefined;
  const { kv, payment, petstore, proxy, client, grpcPort } = system;
  const shop = petstore.url;
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

  const token = await narrator.step("Stock the shop, open an account, and put Rex in Alice's cart", async () => {
    const rex = await http(shop, "POST", "/pets", { name: "Rex", species: "dog", price: 12_000 }, ADMIN_TOKEN);
    const account = await http(payment.url, "POST", "/accounts", { card: CARD, balance: 50_000 }, ADMIN_TOKEN);
    await http(shop, "POST", "/users", { username: "alice", password: "correct horse battery" });
    const session = await http(shop, "POST", "/sessions", { username: "alice", password: "correct horse battery" });
    const cart = await http(shop, "POST", "/cart/items", { petId: rex.body?.id }, session.body?.token);
    narrator.say(`Rex ${euros(12_000)}; card ****${CARD.slice(-4)} holds ${euros(account.body?.balance ?? 0)}`);
    expectThat(rex.status === 201 && account.status === 201 && cart.status === 200, "shop, account and cart");
    return session.body.token as string;
  });

  await narrator.step(
    "Checkout over gRPC: the proxy resets the first connection, the retry policy retries",
    async () => {
      proxy.addRule({ id: "reset-first", fault: "reset", times: 1 });
      narrator.say("fault armed: the proxy resets the next new connection (PetStore has none yet)");
      const order = await http(shop, "POST", "/checkout", { card: CARD }, token);
      narrator.say(`POST /checkout → ${order.status}, order ${order.body?.id} for ${euros(order.body?.total ?? 0)}`);
      narrator.say(
        `the proxy reset ${proxy.stats().rules[0]?.fired ?? 0} connection: the call failed UNAVAILABLE, and grpc-js ` +
          "retried it (service config: retryableStatusCodes [UNAVAILABLE]) under the same idempotency-key metadata",
      );
      const calls = payment
        .logs()
        .split("\n")
        .filter((line) => line.includes('"grpc":"Charge"'));
      const last = calls.at(-1) ? (JSON.parse(calls.at(-1)!) as { requestId?: string; deadlineMs?: number }) : {};
      narrator.say(`Payment logged ${calls.length} Charge call; deadline it received: ${last.deadlineMs} ms left`);
      const account = await unary(client, "GetAccount", { card: CARD }, { metadata: admin });
      narrator.say(`GetAccount → balance ${euros(account.value?.balanceCents ?? 0)} (one debit of ${euros(12_000)})`);
      expectThat(order.status === 201, "the checkout should succeed after the reset");
      expectThat(account.value?.balanceCents === 38_000, "the card should be debited exactly once");
    },
  );

  await narrator.step("A call whose deadline passes: DEADLINE_EXCEEDED, and nothing charged", async () => {
    proxy.addRule({ id: "silence", fault: "blackhole" });
    const through = paymentClient(`127.0.0.1:${proxy.port}`);
    try {
      const started = Date.now();
      const late = await unary(
        through,
        "Charge",
        { card: CARD, amountCents: 500 },
        { metadata: { "idempotency-key": "demo-late-1" }, deadlineMs: 400 },
      );
      narrator.say(
        `Charge through a blackholed connection, deadline 400 ms → ${grpc.status[late.code]} after ${Date.now() - started} ms`,
      );
      const account = await unary(client, "GetAccount", { card: CARD }, { metadata: admin });
      narrator.say(`balance still ${euros(account.value?.balanceCents ?? 0)}: the request never reached Payment`);
      expectThat(late.code === grpc.status.DEADLINE_EXCEEDED, "the call should end DEADLINE_EXCEEDED");
      expectThat(account.value?.balanceCents === 38_000, "nothing should be charged");
    } finally {
      through.close();
      proxy.removeRule("silence");
    }
  });

  await narrator.step("WatchTransactions: stream the card's history, hang up, resume from the token", async () => {
    const first = await watchSome(client, CARD, 2);
    for (const t of first) narrator.say(`streamed ${describe(t)}`);
    narrator.say("the client hangs up; meanwhile two more charges happen");
    for (const [key, amount] of [
      ["demo-coffee-1", 350],
      ["demo-book-1", 2_400],
    ] as const) {
      await unary(client, "Charge", { card: CARD, amountCents: amount }, { metadata: { "idempotency-key": key } });
    }
    const resumed = await watchSome(client, CARD, 2, first.at(-1)!.resumeToken);
    for (const t of resumed) narrator.say(`resumed ${describe(t)}`);
    const numbers = [...first, ...resumed].map((t) => t.sequence);
    narrator.say(`sequence numbers: ${numbers.join(", ")}: no gap, no duplicate`);
    expectThat(numbers.join(",") === "1,2,3,4", "the resumed stream should go on right after the token");
  });

  return {
    guide: [
      `PetStore ${shop}   (API docs: ${shop}/docs), PAYMENT_TRANSPORT=grpc`,
      `Payment  ${payment.url} (HTTP) and 127.0.0.1:${grpcPort} (gRPC); PetStore reaches it through 127.0.0.1:${proxy.port}`,
      `KV       ${kv.url}`,
      `try: grpcurl -plaintext -import-path labs/03-grpc/src/proto -proto payment.proto \\`,
      `       -d '{"card":"${CARD}"}' 127.0.0.1:${grpcPort} distlab.payment.v1.PaymentService/WatchTransactions`,
    ],
    stopped: Promise.race([kv.exited(), payment.exited(), petstore.exited()]),
    stop: async () => {
      client.close();
      await petstore.kill("SIGTERM");
      await proxy.close();
      const exit = await payment.kill("SIGTERM");
      process.stdout.write(`Payment exited with code ${exit.code} (gRPC: tryShutdown, then forceShutdown)\n`);
      await kv.kill("SIGTERM");
    },
  };
}
