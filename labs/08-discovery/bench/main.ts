// Lab 08's benchmark (`distlab bench 08`): how soon a client learns that an instance registered, and that
// one died, through the lab's resolver (a watch on etcd, blocking queries on Consul) against the baseline
// of polling the registry once a second — both in the same run, against the same registry.
import { findConsul, findEtcd } from "@distlab/kit/infra";
import type { BenchOptions, BenchReport, BenchRow } from "@distlab/kit/bench";
import type { RegistryChoice } from "@distlab/lab/08-discovery/environment.ts";
import { createRegistration } from "@distlab/lab/08-discovery/registration.ts";
import { createResolver } from "@distlab/lab/08-discovery/resolver.ts";
import { firstTime, startHealthEndpoint, startPoller } from "./probes.ts";

const TTL_S = 2;
const SERVICE = "bench";

interface Samples {
  watch: { appear: number[]; remove: number[] };
  poll: { appear: number[]; remove: number[] };
}

/** One instance's life: registered (t0 = the registration starts), then crashed (keep-alives and /health stop). */
async function trial(registry: RegistryChoice, n: number, seen: { watch: string[]; poll: string[] }, samples: Samples) {
  const health = await startHealthEndpoint();
  const id = `bench-${process.pid}-${n}`;
  const registration = createRegistration({
    registry,
    instance: { id, service: SERVICE, address: "127.0.0.1", port: health.port, tags: [], meta: {} },
    settings: { ttlSeconds: TTL_S, checkInterval: "1s" },
    healthUrl: health.url,
  });
  const registered = Date.now();
  await registration.register();
  const [watchIn, pollIn] = await Promise.all([
    firstTime(
      registered,
      () => seen.watch,
      (ids) => ids.includes(id),
    ),
    firstTime(
      registered,
      () => seen.poll,
      (ids) => ids.includes(id),
    ),
  ]);
  // A crash as the registry sees it after kill -9: no more keep-alives or heartbeats, /health silent.
  const crashed = Date.now();
  await Promise.all([registration.close(), health.close()]);
  const [watchOut, pollOut] = await Promise.all([
    firstTime(
      crashed,
      () => seen.watch,
      (ids) => !ids.includes(id),
    ),
    firstTime(
      crashed,
      () => seen.poll,
      (ids) => !ids.includes(id),
    ),
  ]);
  samples.watch.appear.push(watchIn);
  samples.poll.appear.push(pollIn);
  samples.watch.remove.push(watchOut);
  samples.poll.remove.push(pollOut);
}

function percentile(values: number[], p: number): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A latency row: rps is changes propagated per second at one change at a time (1000 / median ms). */
function row(system: string, values: number[]): BenchRow {
  const p50 = percentile(values, 50);
  return {
    system,
    concurrency: 1,
    rps: p50 > 0 ? Number((1000 / p50).toFixed(3)) : 0,
    p50_ms: Number(p50.toFixed(1)),
    p99_ms: Number(percentile(values, 99).toFixed(1)),
    unit: "changes seen",
    errors: values.filter((value) => !Number.isFinite(value)).length,
  };
}

async function measure(registry: RegistryChoice, label: string, trials: number, options: BenchOptions) {
  const resolver = await createResolver({ registry, services: [SERVICE] });
  const seen = { watch: [] as string[], poll: [] as string[] };
  const unsubscribe = resolver.subscribe(SERVICE, (instances) => (seen.watch = instances.map((i) => i.id)));
  const stopPoller = startPoller(registry, SERVICE, (ids) => (seen.poll = ids));
  const samples: Samples = { watch: { appear: [], remove: [] }, poll: { appear: [], remove: [] } };
  try {
    for (let n = 1; n <= trials; n++) {
      options.log(`${label}: trial ${n}/${trials}`);
      await trial(registry, n, seen, samples);
    }
  } finally {
    unsubscribe();
    stopPoller();
    await resolver.close();
  }
  return [
    row(`${label} watch: registered → seen`, samples.watch.appear),
    row(`${label} polling 1 s: registered → seen`, samples.poll.appear),
    row(`${label} watch: crashed → gone`, samples.watch.remove),
    row(`${label} polling 1 s: crashed → gone`, samples.poll.remove),
  ];
}

export async function bench(options: BenchOptions): Promise<BenchReport> {
  const trials = Math.min(20, Math.max(3, options.seconds));
  const rows: BenchRow[] = [];
  const notes = [
    `${trials} instances per registry; lease/TTL ${TTL_S} s, Consul HTTP check every 1 s`,
    "registered → seen starts when the instance starts registering (the write itself included); on Consul it includes the wait for the first HTTP check, staggered within its 1 s interval",
  ];
  const etcd = await findEtcd();
  if (etcd.server) {
    const registry: RegistryChoice = { kind: "etcd", endpoints: etcd.server.endpoints, prefix: "/distlab-bench/" };
    try {
      rows.push(...(await measure(registry, `etcd (${etcd.server.source})`, trials, options)));
    } finally {
      await etcd.server.stop();
    }
  } else notes.push(`etcd skipped: ${etcd.reason}`);
  const consul = await findConsul();
  const consulLabel = consul.kind === "embedded" ? "consul (embedded registry)" : `consul (${consul.source})`;
  try {
    const registry: RegistryChoice = {
      kind: "consul",
      url: consul.url,
      host: consul.host,
      port: consul.port,
      wait: "30s",
    };
    rows.push(...(await measure(registry, consulLabel, trials, options)));
  } finally {
    await consul.stop();
  }
  notes.push(
    "rps = changes seen per second, one change at a time (1000 / median ms); a crash = keep-alives and /health stop, as after kill -9",
  );
  return { rows, ratios: ratios(rows), notes };
}

/** Polling's median over the watch's, per registry and event, and their geometric mean as `polling-1s`. */
function ratios(rows: BenchRow[]): Record<string, number> {
  const result: Record<string, number> = {};
  const logs: number[] = [];
  for (const watch of rows.filter((candidate) => candidate.system.includes(" watch: "))) {
    const poll = rows.find((candidate) => candidate.system === watch.system.replace(" watch: ", " polling 1 s: "));
    if (!poll || !(watch.p50_ms > 0)) continue;
    const ratio = Number((poll.p50_ms / watch.p50_ms).toFixed(2));
    result[`polling-1s: ${watch.system.replace(/ \(.*\) watch:/, ":")}`] = ratio;
    logs.push(Math.log(ratio));
  }
  if (logs.length) result["polling-1s"] = Number(Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length).toFixed(2));
  return result;
}
