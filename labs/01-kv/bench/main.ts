// Lab 01's benchmark (`distlab bench 01`): durable PUTs per second and latency of the lab's KV, and of a
// single-member etcd (Debian's etcd-server) started the same way on the same disk in the same run.
import { closedLoop, loadRow, type BenchOptions, type BenchReport, type BenchRow } from "@distlab/kit/bench";
import { startService, stopAllServices } from "@distlab/kit/harness";
import { findEtcdBinary, startLocalEtcd } from "@distlab/kit/infra";
import { Pool } from "undici";

const VALUE = "v".repeat(100);
const CONCURRENCIES = [1, 64];

type Put = (pool: Pool, worker: number, sequence: number) => Promise<boolean>;

const OURS = "distlab kv";
const UNIT = "durable PUTs";

async function measure(system: string, url: string, put: Put, seconds: number): Promise<BenchRow[]> {
  const pool = new Pool(url, { connections: 64, pipelining: 1 });
  try {
    await closedLoop(8, 500, (worker, sequence) => put(pool, worker, sequence));
    const rows: BenchRow[] = [];
    for (const concurrency of CONCURRENCIES) {
      const result = await closedLoop(concurrency, seconds * 1000, (worker, sequence) => put(pool, worker, sequence));
      rows.push(loadRow(system, result, UNIT));
    }
    return rows;
  } finally {
    await pool.close();
  }
}

const kvPut: Put = async (pool, worker, sequence) => {
  const response = await pool.request({
    method: "PUT",
    path: `/kv/bench-${worker}-${sequence % 1000}`,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ value: VALUE }),
  });
  await response.body.dump();
  return response.statusCode === 200;
};

const b64 = (text: string) => Buffer.from(text).toString("base64");

/** etcd's JSON gateway: the same HTTP/1.1 client, the same keys and value sizes, fsync on every commit. */
const etcdPut: Put = async (pool, worker, sequence) => {
  const response = await pool.request({
    method: "POST",
    path: "/v3/kv/put",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ key: b64(`bench-${worker}-${sequence % 1000}`), value: b64(VALUE) }),
  });
  await response.body.dump();
  return response.statusCode === 200;
};

/** Durable PUTs per second and latency of the lab's KV, and of a single-member etcd in the same run. */
export async function bench({ target, seconds, log }: BenchOptions): Promise<BenchReport> {
  const notes: string[] = [];
  const rows: BenchRow[] = [];
  log(`kv: durable PUTs, ${seconds} s per row (target ${target})`);
  try {
    const kv = await startService({ lab: "01-kv", service: "kv", target, env: { LOG_LEVEL: "warn" } });
    rows.push(...(await measure(OURS, kv.url, kvPut, seconds)));
    await kv.kill("SIGTERM");
  } finally {
    await stopAllServices();
  }
  if (findEtcdBinary()) {
    const etcd = await startLocalEtcd();
    try {
      rows.push(...(await measure(`etcd ${etcd.version}`, etcd.endpoint, etcdPut, seconds)));
    } finally {
      await etcd.stop();
    }
  } else {
    notes.push("etcd is not installed (Debian: etcd-server), so there is no baseline in this run");
  }
  const ours = rows.find((row) => row.system === OURS && row.concurrency === 64);
  const theirs = rows.find((row) => row.system !== OURS && row.concurrency === 64);
  const ratios: Record<string, number> = ours && theirs ? { etcd: Number((ours.rps / theirs.rps).toFixed(3)) } : {};
  notes.push(
    "both write to the same disk and acknowledge a PUT only after fsync; the ratio is at concurrency 64",
    "target: ≥ 1.0× etcd at concurrency 64",
  );
  return { rows, ratios, notes };
}
