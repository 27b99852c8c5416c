import { startService, stopAllServices } from "@distlab/kit/harness";
import { findEtcdBinary, startLocalEtcd } from "@distlab/kit/infra";
import { Pool } from "undici";
import { closedLoop, type LoadResult } from "./load.ts";

export interface KvBenchRow extends LoadResult {
  system: string;
}

export interface KvBenchReport {
  rows: KvBenchRow[];
  /** Reference KV throughput over etcd's at concurrency 64, when etcd ran. */
  ratioAt64: number | null;
  notes: string[];
}

const VALUE = "v".repeat(100);
const CONCURRENCIES = [1, 64];

type Put = (pool: Pool, worker: number, sequence: number) => Promise<boolean>;

async function measure(system: string, url: string, put: Put, seconds: number): Promise<KvBenchRow[]> {
  const pool = new Pool(url, { connections: 64, pipelining: 1 });
  try {
    await closedLoop(8, 500, (worker, sequence) => put(pool, worker, sequence));
    const rows: KvBenchRow[] = [];
    for (const concurrency of CONCURRENCIES) {
      const result = await closedLoop(concurrency, seconds * 1000, (worker, sequence) => put(pool, worker, sequence));
      rows.push({ system, ...result });
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

/** Durable PUTs per second and latency of the reference KV, and of a single-member etcd in the same run. */
export async function benchKv(target: string, seconds: number): Promise<KvBenchReport> {
  const notes: string[] = [];
  const rows: KvBenchRow[] = [];
  try {
    const kv = await startService({ lab: "01-kv", service: "kv", target, env: { LOG_LEVEL: "warn" } });
    rows.push(...(await measure("distlab kv", kv.url, kvPut, seconds)));
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
  const ours = rows.find((row) => row.system === "distlab kv" && row.concurrency === 64);
  const theirs = rows.find((row) => row.system !== "distlab kv" && row.concurrency === 64);
  const ratioAt64 = ours && theirs ? ours.opsPerSecond / theirs.opsPerSecond : null;
  notes.push(
    "both write to the same disk and acknowledge a PUT only after fsync; target: ≥ 1.0× etcd at concurrency 64",
  );
  return { rows, ratioAt64, notes };
}

export function kvTable(report: KvBenchReport): string {
  const header = ["system", "concurrency", "PUTs/s", "p50 ms", "p99 ms", "errors"];
  const body = report.rows.map((row) => [
    row.system,
    String(row.concurrency),
    row.opsPerSecond.toFixed(0),
    row.p50ms.toFixed(2),
    row.p99ms.toFixed(2),
    String(row.errors),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  const ratio =
    report.ratioAt64 === null
      ? "ratio at concurrency 64: n/a"
      : `ratio at concurrency 64: ${report.ratioAt64.toFixed(2)}× etcd`;
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...body.map(line),
    "",
    ratio,
    ...report.notes.map((n) => `note: ${n}`),
  ].join("\n");
}
