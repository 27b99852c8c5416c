// Hidden: the live cluster as `distlab run 07 cluster` starts it — three server processes answering on one
// port, a server killed alone is started again, and nothing outlives the cluster process — and the three
// servers of `distlab run 07 node` killed at once with kill -9 and restarted: nothing acknowledged is lost.
import { readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { makeTempDir, restartService, startService, stopAllServices } from "@distlab/kit/harness";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";

const NAMES = ["n1", "n2", "n3"];
const FAST = {
  RAFT_KV_ELECTION_MS: "400",
  RAFT_KV_HEARTBEAT_MS: "50",
  RAFT_KV_CLERK_RETRY_MS: "300",
  // Snapshots every few entries, so restarted servers also start from one.
  RAFT_KV_MAX_LOG_ENTRIES: "8",
  LOG_LEVEL: "warn",
};

async function put(base: string, key: string, value: string): Promise<number> {
  const response = await request(`${base}/kv/${key}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ value }),
    headersTimeout: 15_000,
  });
  const body = (await response.body.json()) as { version?: number; detail?: string };
  if (response.statusCode !== 200) throw new Error(`PUT ${key} answered ${response.statusCode}: ${body.detail}`);
  return body.version!;
}

async function get(base: string, key: string): Promise<{ status: number; value?: string; version?: number }> {
  const response = await request(`${base}/kv/${key}`, { headersTimeout: 15_000 });
  const body = (await response.body.json()) as { value?: string; version?: number };
  return { status: response.statusCode, ...body };
}

/** Host pids of the processes whose command line names the cluster's data folder. */
function processesOf(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cmdline.includes(dataDir) && cmdline.includes("node") && cmdline.includes("run")) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Fails at once, with the reason, when the server's node code threw (an unfinished step, a bug). */
async function checkNodeCode(base: string): Promise<void> {
  const status = (await (await request(`${base}/raft/status`, { headersTimeout: 15_000 })).body.json()) as {
    node: string;
    error: string | null;
  };
  if (status.error) throw new Error(`server ${status.node}'s node code failed: ${status.error}`);
}

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} within ${ms} ms${last ? ` (last error: ${(last as Error).message})` : ""}`);
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

describe("the live cluster, hidden (README step 6)", () => {
  afterEach(() => stopAllServices());

  it("answers on one port from every server, restarts a server killed alone, and leaves nothing behind [R07.6.1, R07.6.3]", async () => {
    const dataDir = await makeTempDir("distlab-raft-kv-cluster-");
    const cluster = await startService({
      service: "cluster",
      dataDir,
      env: { ...FAST, DISTLAB_NODES: "3", RAFT_KV_RESTART_MS: "300" },
      readyTimeoutMs: 90_000,
    });
    await checkNodeCode(cluster.url);
    const version = await until("a first write", () => put(cluster.url, "k", "1"));
    const servers = new Set<string>();
    await until("answers from all three servers on the one port", async () => {
      const status = await request(`${cluster.url}/raft/status`, { reset: true });
      servers.add(((await status.body.json()) as { node: string }).node);
      return servers.size === NAMES.length ? true : undefined;
    });
    expect(await get(cluster.url, "k")).toMatchObject({ status: 200, value: "1", version });
    const workers = await until("three server processes", () => {
      const pids = processesOf(dataDir);
      return pids.length === NAMES.length ? pids : undefined;
    });
    process.kill(workers[0]!, "SIGKILL");
    await until("the killed server started again", () => {
      const pids = processesOf(dataDir);
      return pids.length === NAMES.length && !pids.includes(workers[0]!) ? pids : undefined;
    });
    expect(await until("a write after the restart", () => put(cluster.url, "k", "2"))).toBeGreaterThan(version);
    await cluster.kill("SIGKILL");
    await until("no server process left after the cluster process died", () =>
      processesOf(dataDir).length === 0 ? true : undefined,
    );
    expect(await refusesConnections(cluster.port), "the cluster's port still answers").toBe(true);
  }, 180_000);

  it("keeps every acknowledged write when all three servers are killed at once and restarted [R07.6.2, R07.0.3]", async () => {
    const dataDir = await makeTempDir("distlab-raft-kv-all-");
    const env = (name: string) => ({ ...FAST, RAFT_KV_NODE: name, RAFT_KV_NODES: NAMES.join(",") });
    let nodes = await Promise.all(
      NAMES.map((name) => startService({ service: "node", env: env(name), dataDir, readyTimeoutMs: 90_000 })),
    );
    for (const node of nodes) await checkNodeCode(node.url);
    await until("a first write", () => put(nodes[0]!.url, "warm", "up"));
    const acknowledged = new Map<string, number>();
    let writing = true;
    const writers = [0, 1, 2, 3].map(async (w) => {
      for (let n = 0; writing; n++) {
        const key = `w${w}-${n}`;
        try {
          acknowledged.set(key, await put(nodes[(w + n) % 3]!.url, key, key));
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await Promise.all(nodes.map((node) => node.kill("SIGKILL")));
    writing = false;
    await Promise.all(writers);
    expect(acknowledged.size, "writes acknowledged before the kill").toBeGreaterThan(10);
    nodes = await Promise.all(nodes.map((node) => restartService(node)));
    for (const [key, version] of acknowledged) {
      const found = await until(`a read of ${key}`, async () => {
        const reply = await get(nodes[0]!.url, key);
        return reply.status === 503 ? undefined : reply;
      });
      expect(found, `acknowledged write ${key} (version ${version}) after every server was killed`).toMatchObject({
        status: 200,
        value: key,
        version,
      });
    }
  }, 180_000);
});
