// The live cluster (README step 6): three server processes (`distlab run 07 node`) on loopback, the same
// node code on real timers, HTTP between them and their files fsynced. Clients talk Lab 01's API to any
// server while the test kills the leader, then a follower, with kill -9 at random moments and restarts
// them. The recorded history must be linearizable and keep every acknowledged write.
import { makeTempDir, restartService, startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { Prng } from "@distlab/kit/sim";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Operation, Result } from "../src/messages.ts";
import { assertLinearizable } from "./checks.ts";
import type { HistoryOp } from "./model.ts";

const NAMES = ["n1", "n2", "n3"];
const KEYS = ["k0", "k1", "k2"];
const SEED = Number(process.env.DISTLAB_SEED ?? 1);

interface Reply {
  status: number;
  body: Record<string, unknown> | undefined;
}

async function call(
  base: string,
  method: "GET" | "PUT" | "POST" | "DELETE",
  path: string,
  options: { value?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const response = await request(`${base}${path}`, {
    method,
    headers: { ...(options.value === undefined ? {} : { "content-type": "application/json" }), ...options.headers },
    body: options.value === undefined ? undefined : JSON.stringify({ value: options.value }),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

class LiveCluster {
  readonly nodes = new Map<string, ServiceProcess>();

  static async start(): Promise<LiveCluster> {
    const cluster = new LiveCluster();
    const dir = await makeTempDir("distlab-raft-kv-");
    const env = (name: string) => ({
      RAFT_KV_NODE: name,
      RAFT_KV_NODES: NAMES.join(","),
      RAFT_KV_ELECTION_MS: "400",
      RAFT_KV_HEARTBEAT_MS: "50",
      RAFT_KV_CLERK_RETRY_MS: "300",
      RAFT_KV_DEADLINE_MS: "4000",
      // Snapshots every few entries, so restarted servers also start from one.
      RAFT_KV_MAX_LOG_ENTRIES: "8",
      LOG_LEVEL: "warn",
    });
    const started = await Promise.all(
      NAMES.map((name) => startService({ service: "node", env: env(name), dataDir: dir, readyTimeoutMs: 60_000 })),
    );
    NAMES.forEach((name, i) => cluster.nodes.set(name, started[i]!));
    return cluster;
  }

  urls(): string[] {
    return [...this.nodes.values()].map((node) => node.url);
  }

  /** The server that says it leads, asking each until one does (bounded); a server whose code failed says why. */
  async leader(within = 20_000): Promise<string> {
    const deadline = Date.now() + within;
    while (Date.now() < deadline) {
      for (const [name, node] of this.nodes) {
        const status = await call(node.url, "GET", "/raft/status").catch(() => undefined);
        if (typeof status?.body?.error === "string")
          throw new Error(`server ${name}'s node code failed: ${status.body.error}`);
        if (status?.body?.role === "leader") return name;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no server reported itself leader within ${within} ms`);
  }

  async kill(name: string): Promise<void> {
    await this.nodes.get(name)!.kill("SIGKILL");
  }

  async restart(name: string): Promise<void> {
    this.nodes.set(name, await restartService(this.nodes.get(name)!));
  }
}

/** Runs `op` through the server at `base` as Lab 01's API; null when the outcome is unknown. */
async function runHttp(base: string, op: Operation): Promise<Result | null> {
  try {
    if (op.op === "get") {
      const reply = await call(base, "GET", `/kv/${op.key}`);
      if (reply.status === 404) return { value: null, version: null };
      if (reply.status === 200) return { value: reply.body!.value as string, version: reply.body!.version as number };
      return null;
    }
    if (op.op !== "put") throw new Error(`the live test runs gets and puts, not ${op.op}`);
    const headers: Record<string, string> = op.ifMatch === undefined ? {} : { "if-match": String(op.ifMatch) };
    const reply = await call(base, "PUT", `/kv/${op.key}`, { value: op.value, headers });
    if (reply.status === 200) return { version: reply.body!.version as number };
    if (reply.status === 412) return { mismatch: reply.body!.currentVersion as number | null };
    return null;
  } catch {
    return null;
  }
}

describe("the live cluster (README step 6)", () => {
  let cluster: LiveCluster;
  beforeAll(async () => {
    cluster = await LiveCluster.start();
  }, 120_000);
  afterAll(() => stopAllServices());

  it("answers Lab 01's API on every server, with versions, If-Match and clear refusals [R07.6.1]", async () => {
    await cluster.leader();
    const [first, second, third] = cluster.urls() as [string, string, string];
    const put = await call(first, "PUT", "/kv/api", { value: "1" });
    expect(put).toEqual({ status: 200, body: { key: "api", version: expect.any(Number) } });
    const version = put.body!.version as number;
    expect(await call(second, "GET", "/kv/api")).toEqual({ status: 200, body: { key: "api", value: "1", version } });
    const stale = await call(third, "PUT", "/kv/api", { value: "2", headers: { "if-match": String(version + 100) } });
    expect(stale.status).toBe(412);
    expect(stale.body!.currentVersion).toBe(version);
    const created = await call(third, "POST", "/kv", { value: "made" });
    expect(created.status).toBe(201);
    expect((await call(first, "GET", `/kv/${created.body!.key as string}`)).body!.value).toBe("made");
    expect((await call(second, "DELETE", "/kv/api")).status).toBe(204);
    expect((await call(first, "GET", "/kv/api")).status).toBe(404);
    expect((await call(first, "GET", "/kv")).status, "listing is not an operation here").toBe(501);
    const ifNone = await call(first, "PUT", "/kv/api", { value: "x", headers: { "if-none-match": "*" } });
    expect(ifNone.status, "If-None-Match is not an operation here").toBe(501);
  }, 60_000);

  it("refuses a bad PUT with a problem that names what is wrong, and stores nothing [R07.6.1]", async () => {
    await cluster.leader();
    const base = cluster.urls()[0]!;
    const raw = async (body: string, headers: Record<string, string> = {}) => {
      const response = await request(`${base}/kv/refused`, {
        method: "PUT",
        headers: { "content-type": "application/json", ...headers },
        body,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      const text = await response.body.text();
      return { status: response.statusCode, type: response.headers["content-type"], problem: JSON.parse(text) };
    };
    const refusals: Array<[string, Record<string, string>, number, RegExp]> = [
      ['{"value":1}', {}, 400, /body\/value/],
      ['{"value":"x","extra":2}', {}, 400, /body\/extra: unknown field/],
      ['{"value":', {}, 400, /not valid JSON/],
      ["[]", {}, 400, /body/],
      ['{"value":"x"}', { "if-match": "soon" }, 400, /If-Match/],
      [JSON.stringify({ value: "v".repeat(70 * 1024) }), {}, 413, /limit is 65536/],
    ];
    for (const [body, headers, status, detail] of refusals) {
      const reply = await raw(body, headers);
      const what = `PUT ${body.slice(0, 30)} ${JSON.stringify(headers)}`;
      expect(reply.status, what).toBe(status);
      expect(reply.type, what).toMatch(/^application\/problem\+json/);
      expect(reply.problem.detail, what).toMatch(detail);
    }
    expect((await call(base, "GET", "/kv/refused")).status, "a refused PUT stores nothing").toBe(404);
  }, 60_000);

  it("keeps every acknowledged write and a linearizable history when the leader, then a follower, is killed with kill -9 [R07.6.2, R07.0.2, R07.0.3]", async () => {
    const rng = Prng.derive(SEED, "live");
    const history: HistoryOp[] = [];
    let stamp = 0;
    const seen = new Map<string, number>();
    let running = true;
    const worker = async (w: number) => {
      for (let n = 0; running; n++) {
        const key = KEYS[(w + n) % KEYS.length]!;
        const last = seen.get(`${w} ${key}`);
        const kind = n % 3;
        const op: Operation =
          kind === 0
            ? { op: "get", key }
            : kind === 2 && last !== undefined
              ? { op: "put", key, value: `w${w}.${n}`, ifMatch: last }
              : { op: "put", key, value: `w${w}.${n}` };
        const base = cluster.urls()[(w + n) % NAMES.length]!;
        const call = ++stamp;
        const result = await runHttp(base, op);
        const entry: HistoryOp = {
          client: w,
          call,
          return: result === null ? null : ++stamp,
          input: op,
          output: result,
        };
        // A read that got no answer changed nothing and told nothing: leave it out of the history.
        if (result !== null || op.op !== "get") history.push(entry);
        if (result !== null && "version" in result && result.version !== null) seen.set(`${w} ${key}`, result.version);
        if (result === null) await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await pause(rng.int(1_000, 2_500));
    const leader = await cluster.leader();
    await cluster.kill(leader);
    await pause(rng.int(500, 1_500));
    await cluster.restart(leader);
    await pause(rng.int(500, 1_500));
    const follower = NAMES.filter((name) => name !== leader)[rng.int(0, 1)]!;
    const current = await cluster.leader();
    const victim = follower === current ? NAMES.find((n) => n !== current && n !== leader)! : follower;
    await cluster.kill(victim);
    await pause(rng.int(500, 1_500));
    await cluster.restart(victim);
    await pause(1_500);
    running = false;
    await load;
    // Every server, the restarted ones included, answers the final reads.
    for (const base of cluster.urls()) {
      for (const key of KEYS) {
        const call = ++stamp;
        const result = await runHttp(base, { op: "get", key });
        expect(result, `final read of ${key} through ${base}`).not.toBeNull();
        history.push({ client: 9, call, return: ++stamp, input: { op: "get", key }, output: result });
      }
    }
    const acknowledged = history.filter((op) => op.input.op === "put" && op.output !== null && "version" in op.output);
    expect(acknowledged.length, "writes acknowledged during the run").toBeGreaterThan(20);
    for (const key of KEYS) {
      const newest = Math.max(
        0,
        ...acknowledged.filter((op) => op.input.key === key).map((op) => (op.output as { version: number }).version),
      );
      const finals = history
        .filter((op) => op.client === 9 && op.input.key === key)
        .map((op) => (op.output as { version: number | null }).version ?? 0);
      for (const version of finals)
        expect(version, `an acknowledged write of ${key} is missing`).toBeGreaterThanOrEqual(newest);
    }
    assertLinearizable(history, `live cluster, seed ${SEED}`);
  }, 120_000);
});
