// Lab 01's demo (`distlab demo 01`): the KV store's contract, compare-and-set, group commit and crash
// recovery, on a real process.
import { expectThat, http, type DemoOptions, type DemoSystem } from "@distlab/kit/demo";
import { restartService, startService } from "@distlab/kit/harness";

async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name}{`));
  return Number(line?.split(" ").pop() ?? NaN);
}

export async function demo({ narrator, target }: DemoOptions): Promise<DemoSystem | undefined> {
  let kv = await narrator.step("Start the KV service (a real process on a free loopback port)", async () => {
    const service = await startService({ lab: "01-kv", service: "kv", target });
    narrator.say(`listening on ${service.url}, data in ${service.dataDir}`);
    return service;
  });
  if (!kv) return undefined;
  const base = () => kv!.url;

  await narrator.step("PUT a pet, then GET it back with its version", async () => {
    const put = await http(base(), "PUT", "/kv/pet:rex", { value: JSON.stringify({ species: "dog", price: 120 }) });
    narrator.say(`PUT /kv/pet:rex → ${put.status} ${JSON.stringify(put.body)}`);
    const get = await http(base(), "GET", "/kv/pet:rex");
    narrator.say(`GET /kv/pet:rex → ${get.status} ${JSON.stringify(get.body)}`);
    expectThat(put.status === 200 && get.body?.version === put.body.version, "GET should return what PUT stored");
  });

  await narrator.step("Two clients race to update the same version: compare-and-set lets one win", async () => {
    const { body } = await http(base(), "GET", "/kv/pet:rex");
    const ifMatch = { "if-match": String(body.version) };
    const [alice, bob] = await Promise.all([
      http(base(), "PUT", "/kv/pet:rex", { value: "reserved by alice" }, ifMatch),
      http(base(), "PUT", "/kv/pet:rex", { value: "reserved by bob" }, ifMatch),
    ]);
    narrator.say(`alice → ${alice.status}, bob → ${bob.status} (If-Match: ${body.version})`);
    expectThat([alice.status, bob.status].sort().join() === "200,412", "exactly one should get 200 and the other 412");
  });

  await narrator.step("POST stores a value under a key the server generates", async () => {
    const post = await http(base(), "POST", "/kv", { value: "a receipt" });
    narrator.say(`POST /kv → ${post.status} ${JSON.stringify(post.body)}`);
    expectThat(post.status === 201, "POST should answer 201");
  });

  const acknowledged = await narrator.step("200 concurrent writes share fsyncs (group commit)", async () => {
    const fsyncsBefore = await metric(base(), "kv_log_fsyncs");
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        http(base(), "PUT", `/kv/order:${String(i).padStart(3, "0")}`, { value: `order ${i}` }),
      ),
    );
    const fsyncs = (await metric(base(), "kv_log_fsyncs")) - fsyncsBefore;
    narrator.say(`200 acknowledged writes took ${fsyncs} fsyncs`);
    expectThat(
      replies.every((reply) => reply.status === 200),
      "every write should be acknowledged",
    );
    return replies.length;
  });

  await narrator.step("kill -9 the process, restart it on the same files: nothing acknowledged is lost", async () => {
    await kv!.kill("SIGKILL");
    narrator.say("SIGKILL sent; the process had no chance to flush anything");
    kv = await restartService(kv!);
    const page = await http(base(), "GET", "/kv?prefix=order:&limit=1000");
    narrator.say(`restarted on ${base()}; ${page.body.items.length} of ${acknowledged ?? 200} orders are back`);
    expectThat(page.body.items.length === (acknowledged ?? 200), "every acknowledged order should survive");
  });

  await narrator.step("List by prefix, 3 at a time, following cursors", async () => {
    let cursor: string | null = null;
    let pages = 0;
    const seen: string[] = [];
    do {
      const page: { body: { items: { key: string }[]; next: string | null } } = await http(
        base(),
        "GET",
        `/kv?prefix=order:00&limit=3${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...page.body.items.map((item) => item.key));
      cursor = page.body.next;
      pages++;
    } while (cursor);
    narrator.say(`${pages} pages: ${seen.join(", ")}`);
    expectThat(seen.length === 10, "order:000 … order:009 should be listed");
  });

  await narrator.step("Bad input gets a problem+json that names the field", async () => {
    const bad = await http(base(), "PUT", "/kv/pet:rex", { value: 42, colour: "brown" });
    narrator.say(`PUT {value: 42, colour: "brown"} → ${bad.status} ${bad.body?.detail}`);
    expectThat(bad.status === 400, "should be 400");
  });
  const service = kv;
  return {
    guide: [
      `KV store: ${service.url}   (API docs: ${service.url}/docs, metrics: ${service.url}/metrics)`,
      `try: curl -s '${service.url}/kv?prefix=order:0&limit=5'`,
      `     curl -s -X PUT ${service.url}/kv/greeting -H 'content-type: application/json' -d '{"value":"hello"}'`,
    ],
    stopped: service.exited(),
    stop: async () => {
      const exit = await service.kill("SIGTERM");
      process.stdout.write(`the KV service exited with code ${exit.code}\n`);
    },
  };
}
