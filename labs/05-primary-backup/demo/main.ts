// Lab 05's demo (`distlab demo 05`): a failover on the live cluster (processes, real timers, kill -9), then
// two races on the simulator: a stale cache fill stopped by a lease, and a write asynchronous replication
// acknowledges and loses.
import { expectThat, http, type DemoOptions, type DemoSystem } from "@distlab/kit/demo";
import { startService, type ServiceProcess } from "@distlab/kit/harness";
import { asyncLoss, closeSimulatedNodes, staleFillRace } from "./simulated.ts";

interface View {
  num: number;
  primary: string | null;
  backup: string | null;
}

async function status(base: string): Promise<{ view: View; acked: boolean }> {
  return (await http(base, "GET", "/cluster")).body as { view: View; acked: boolean };
}

async function waitForView(base: string, test: (view: View, acked: boolean) => boolean): Promise<View> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { view, acked } = await status(base);
    if (test(view, acked)) return view;
    if (Date.now() > deadline) throw new Error(`the view did not change as expected; it is ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const describe = (view: View) => `view ${view.num}: primary ${view.primary}, backup ${view.backup ?? "none"}`;

export async function demo({ narrator, target }: DemoOptions): Promise<DemoSystem | undefined> {
  const cluster = await narrator.step(
    "Start the cluster: view service, s1, s2 and a cache, each a process",
    async () => {
      const service = await startService({
        lab: "05-primary-backup",
        service: "cluster",
        target,
        readyTimeoutMs: 240_000,
      });
      narrator.say(`KV API on ${service.url}; ${describe((await status(service.url)).view)}`);
      return service;
    },
  );
  if (!cluster) return undefined;
  const base = cluster.url;

  await narrator.step("Write, then read twice through the cache", async () => {
    const put = await http(base, "PUT", "/kv/greeting", { value: "hello" });
    const first = await http(base, "GET", "/kv/greeting");
    const second = await http(base, "GET", "/kv/greeting");
    const stats = (await http(base, "GET", "/cluster")).body.cacheStats;
    narrator.say(
      `PUT → ${put.status} version ${put.body.version}; GET → "${first.body.value}", "${second.body.value}"`,
    );
    narrator.say(`cache: ${stats.hits} hit(s), ${stats.misses} miss(es)`);
    expectThat(put.status === 200 && second.body.value === "hello", "both reads should see the write");
  });

  await narrator.step("kill -9 the primary; the view service promotes the backup", async () => {
    const before = (await status(base)).view;
    await http(base, "POST", `/cluster/nodes/${before.primary}/kill`);
    narrator.say(`killed ${before.primary} (${describe(before)})`);
    const after = await waitForView(base, (view, acked) => view.primary !== before.primary && acked);
    narrator.say(`now ${describe(after)}`);
    const read = await http(base, "GET", "/kv/greeting?via=primary");
    narrator.say(`GET from the new primary → "${read.body?.value}"`);
    expectThat(read.body?.value === "hello", "the acknowledged write should survive the failover");
  });

  await narrator.step("Bring the dead server back: it joins empty, gets the state, becomes backup", async () => {
    const { view } = await status(base);
    const dead = view.primary === "s1" ? "s2" : "s1";
    await http(base, "POST", `/cluster/nodes/${dead}/restart`);
    const after = await waitForView(base, (next, acked) => next.backup === dead && acked);
    narrator.say(`now ${describe(after)}`);
  });

  await narrator.step("On the simulator: a stale fill, refused thanks to the lease", () => staleFillRace(narrator));
  await narrator.step("On the simulator: asynchronous replication loses an acknowledged write", () =>
    asyncLoss(narrator),
  );
  await closeSimulatedNodes();

  return system(cluster);
}

function system(cluster: ServiceProcess): DemoSystem {
  const base = cluster.url;
  return {
    guide: [
      `curl -X PUT ${base}/kv/k -H 'content-type: application/json' -d '{"value":"v"}'`,
      `curl ${base}/kv/k            (through the cache; ?via=primary to skip it)`,
      `curl ${base}/cluster         (the view, the nodes, the cache's hit counts)`,
      `curl -X POST ${base}/cluster/nodes/s1/kill    (and /restart)`,
    ],
    stopped: cluster.exited(),
    stop: async () => void (await cluster.kill("SIGTERM")),
  };
}
