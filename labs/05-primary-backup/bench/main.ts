// Lab 05's benchmark (`distlab bench 05`), on the live cluster, in one run: reads through the look-aside
// cache against reads from the primary (each forwarded to the backup), with the cache's hit ratio; and
// writes in synchronous against asynchronous mode, which is the write-latency cost of not losing them.
import { closedLoop, loadRow, type BenchOptions, type BenchReport, type BenchRow } from "@distlab/kit/bench";
import { startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { Pool } from "undici";

const CONCURRENCY = 16;
const KEYS = 100;
const VALUE = "v".repeat(100);

type Operation = (pool: Pool, worker: number, sequence: number) => Promise<boolean>;

const key = (worker: number, sequence: number) => `k${(worker * 7919 + sequence) % KEYS}`;

function read(via: "cache" | "primary"): Operation {
  return async (pool, worker, sequence) => {
    const response = await pool.request({ method: "GET", path: `/kv/${key(worker, sequence)}?via=${via}` });
    await response.body.dump();
    return response.statusCode === 200;
  };
}

const write: Operation = async (pool, worker, sequence) => {
  const response = await pool.request({
    method: "PUT",
    path: `/kv/${key(worker, sequence)}`,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ value: VALUE }),
  });
  await response.body.dump();
  return response.statusCode === 200;
};

async function cacheStats(cluster: ServiceProcess): Promise<{ hits: number; misses: number }> {
  const response = await fetch(`${cluster.url}/cluster`);
  return ((await response.json()) as { cacheStats: { hits: number; misses: number } }).cacheStats;
}

async function measure(
  pool: Pool,
  system: string,
  operation: Operation,
  seconds: number,
  unit: string,
): Promise<BenchRow> {
  await closedLoop(4, 300, (worker, sequence) => operation(pool, worker, sequence));
  return loadRow(system, await closedLoop(CONCURRENCY, seconds * 1000, (w, s) => operation(pool, w, s)), unit);
}

async function withCluster<T>(
  target: string,
  mode: "sync" | "async",
  run: (cluster: ServiceProcess, pool: Pool) => Promise<T>,
): Promise<T> {
  const cluster = await startService({
    lab: "05-primary-backup",
    service: "cluster",
    target,
    env: { PB_MODE: mode, LOG_LEVEL: "warn" },
    readyTimeoutMs: 240_000,
  });
  const pool = new Pool(cluster.url, { connections: CONCURRENCY });
  try {
    for (let k = 0; k < KEYS; k++) await write(pool, 0, k);
    return await run(cluster, pool);
  } finally {
    await pool.close();
    await cluster.kill("SIGTERM");
  }
}

export async function bench({ target, seconds, log }: BenchOptions): Promise<BenchReport> {
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  try {
    log(
      `primary-backup: the live cluster, ${CONCURRENCY} clients, ${KEYS} keys, ${seconds} s per row (target ${target})`,
    );
    await withCluster(target, "sync", async (cluster, pool) => {
      // Fill the cache once, so that the row measures its steady state rather than its first misses.
      for (let k = 0; k < KEYS; k++) await read("cache")(pool, 0, k);
      const before = await cacheStats(cluster);
      rows.push(await measure(pool, "reads through the cache", read("cache"), seconds, "GETs"));
      const after = await cacheStats(cluster);
      const hits = after.hits - before.hits;
      const lookups = hits + after.misses - before.misses;
      notes.push(
        `cache hit ratio during the cached reads: ${((100 * hits) / Math.max(1, lookups)).toFixed(1)}% (${hits} of ${lookups})`,
      );
      rows.push(await measure(pool, "reads from the primary", read("primary"), seconds, "GETs"));
      rows.push(await measure(pool, "writes, sync", write, seconds, "PUTs"));
    });
    await withCluster(target, "async", async (_cluster, pool) => {
      rows.push(await measure(pool, "writes, async", write, seconds, "PUTs"));
    });
  } finally {
    await stopAllServices();
  }
  const row = (system: string) => rows.find((candidate) => candidate.system === system)!;
  const ratio = (ours: number, theirs: number) => Number((ours / theirs).toFixed(3));
  const sync = row("writes, sync");
  const async = row("writes, async");
  notes.push(
    `write latency cost of synchronous replication: p50 ${sync.p50_ms} ms against ${async.p50_ms} ms asynchronous (p99 ${sync.p99_ms} against ${async.p99_ms})`,
  );
  notes.push("ratios: reads through the cache over reads from the primary; synchronous writes over asynchronous ones");
  return {
    rows,
    ratios: {
      "reads from the primary": ratio(row("reads through the cache").rps, row("reads from the primary").rps),
      "async writes": ratio(sync.rps, async.rps),
    },
    notes,
  };
}
