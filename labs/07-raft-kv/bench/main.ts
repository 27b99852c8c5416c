// Lab 07's benchmark (`distlab bench 07`): durable PUTs per second and latency of the live 3-server
// cluster (`distlab run 07 cluster`), and of a 3-member etcd (Debian's etcd-server) started on the same
// disk in the same run, driven by the same HTTP/1.1 client with the same keys and value size. Both
// acknowledge a PUT once a majority has it on disk (fsync). The client spreads its connections over the
// members the same way for both: port P hands each connection to one of our servers; for etcd, worker i
// talks to member i mod 3.
import { closedLoop, loadRow, type BenchOptions, type BenchReport, type BenchRow } from "@distlab/kit/bench";
import { startService, stopAllServices } from "@distlab/kit/harness";
import { findEtcdBinary, startLocalEtcdCluster } from "@distlab/kit/infra";
import { Pool } from "undici";

const VALUE = "v".repeat(100);
const CONCURRENCIES = [1, 64];
const MEMBERS = 3;
const OURS = "distlab raft-kv (3 processes)";
const UNIT = "durable PUTs";

/** One PUT by `worker`: true when acknowledged. */
type Put = (worker: number, sequence: number) => Promise<boolean>;

const keyOf = (worker: number, sequence: number) => `bench-${worker}-${sequence % 100}`;

async function measure(system: string, put: Put, seconds: number, log: (line: string) => void): Promise<BenchRow[]> {
  await closedLoop(16, 1_000, put);
  const rows: BenchRow[] = [];
  for (const concurrency of CONCURRENCIES) {
    const result = await closedLoop(concurrency, seconds * 1000, put);
    log(`  ${system} at concurrency ${concurrency}: ${result.opsPerSecond.toFixed(0)} PUTs/s`);
    rows.push(loadRow(system, result, UNIT));
  }
  return rows;
}

function ourPut(pool: Pool): Put {
  return async (worker, sequence) => {
    const response = await pool.request({
      method: "PUT",
      path: `/kv/${keyOf(worker, sequence)}`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ value: VALUE }),
    });
    await response.body.dump();
    return response.statusCode === 200;
  };
}

const b64 = (text: string) => Buffer.from(text).toString("base64");

/** etcd's JSON gateway (POST /v3/kv/put), worker i on member i mod 3. */
function etcdPut(pools: Pool[]): Put {
  return async (worker, sequence) => {
    const response = await pools[worker % pools.length]!.request({
      method: "POST",
      path: "/v3/kv/put",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: b64(keyOf(worker, sequence)), value: b64(VALUE) }),
    });
    await response.body.dump();
    return response.statusCode === 200;
  };
}

async function benchOurs(target: string, seconds: number, log: (line: string) => void): Promise<BenchRow[]> {
  try {
    const cluster = await startService({
      lab: "07-raft-kv",
      service: "cluster",
      target,
      env: { LOG_LEVEL: "warn", DISTLAB_NODES: String(MEMBERS) },
      readyTimeoutMs: 60_000,
    });
    const pool = new Pool(cluster.url, { connections: 64, pipelining: 1 });
    try {
      return await measure(OURS, ourPut(pool), seconds, log);
    } finally {
      await pool.close();
      await cluster.kill("SIGTERM");
    }
  } finally {
    await stopAllServices();
  }
}

async function benchEtcd(seconds: number, log: (line: string) => void): Promise<BenchRow[]> {
  const etcd = await startLocalEtcdCluster(MEMBERS);
  const pools = etcd.endpoints.map((endpoint) => new Pool(endpoint, { connections: 64, pipelining: 1 }));
  try {
    return await measure(`etcd ${etcd.version} (${MEMBERS} members)`, etcdPut(pools), seconds, log);
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
    await etcd.stop();
  }
}

export async function bench({ target, seconds, log }: BenchOptions): Promise<BenchReport> {
  const notes: string[] = [];
  log(`raft-kv: durable PUTs on ${MEMBERS} servers, ${seconds} s per row (target ${target})`);
  const rows = await benchOurs(target, seconds, log);
  if (findEtcdBinary()) rows.push(...(await benchEtcd(seconds, log)));
  else notes.push("etcd is not installed (Debian: etcd-server), so there is no baseline in this run");
  const ours = rows.find((row) => row.system === OURS && row.concurrency === 64);
  const theirs = rows.find((row) => row.system !== OURS && row.concurrency === 64);
  const ratios: Record<string, number> = ours && theirs ? { etcd: Number((ours.rps / theirs.rps).toFixed(3)) } : {};
  if (ours && theirs)
    notes.push(`p99 at concurrency 64: ${(ours.p99_ms / theirs.p99_ms).toFixed(2)}× etcd's (target ≤ 1.5×)`);
  notes.push(
    `both replicate to ${MEMBERS} members on this disk and acknowledge a PUT once a majority fsynced it; the ratio is at concurrency 64`,
    "target: ≥ 1.0× etcd's throughput at concurrency 64",
  );
  return { rows, ratios, notes };
}
