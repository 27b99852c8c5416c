// Hidden: the same node code live, as processes (`distlab run 05 cluster`: the view service, two replicas
// and the cache, with the KV API in front). Writers keep appending while the primary is killed with
// kill -9; in synchronous mode no acknowledged append may be missing or doubled afterwards, and the
// history of a key all writers share must be linearizable. Real time here: waits are bounded and generous,
// and nothing is asserted about how fast anything happens.
import { checkHistory, kvModel, type KvOperation } from "@distlab/kit/check";
import { startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { afterAll, describe, expect, it } from "vitest";

const WRITERS = 4;
const LOAD_MS = 3_000;
const KILL_AFTER_MS = 1_200;
const REQUEST_TIMEOUT_MS = 20_000;

interface Reply {
  status: number;
  body: Record<string, unknown> | undefined;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<Reply | null> {
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  } catch {
    return null; // no answer: the outcome is unknown
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface View {
  num: number;
  primary: string | null;
  backup: string | null;
}

async function view(base: string): Promise<{ view: View; acked: boolean } | undefined> {
  const reply = await call(base, "GET", "/cluster");
  return reply?.status === 200 ? (reply.body as unknown as { view: View; acked: boolean }) : undefined;
}

/** A clock in whole microseconds for the history: call and return times of every operation. */
const now = () => Math.round(performance.now() * 1000);

interface Load {
  /** Each writer's acknowledged appends to its own key, in order. */
  acked: string[][];
  /** Puts and reads of the key every writer shares, for the linearizability checker. */
  history: KvOperation[];
}

/** Until `end`, each writer appends to its own key, then puts and reads the shared key. */
async function writeLoad(base: string, end: number): Promise<Load> {
  const load: Load = { acked: Array.from({ length: WRITERS }, () => []), history: [] };
  const timed = async (
    client: number,
    input: KvOperation["input"],
    run: () => Promise<KvOperation["output"] | undefined>,
  ) => {
    const call = now();
    const output = await run();
    if (output !== undefined)
      load.history.push({ client, call, return: output === null ? null : now(), input, output });
  };
  const writer = async (w: number) => {
    for (let n = 1; Date.now() < end; n++) {
      const value = `${w}.${n};`;
      const append = await call(base, "POST", `/kv/w${w}/append`, { value });
      if (append?.status === 200) load.acked[w]!.push(value);
      const shared = `${w}.${n}`;
      await timed(w, { op: "put", key: "shared", value: shared }, async () => {
        const put = await call(base, "PUT", "/kv/shared", { value: shared });
        return put?.status === 200 ? {} : null;
      });
      await timed(w, { op: "get", key: "shared" }, async () => {
        const read = await call(base, "GET", "/kv/shared?via=primary");
        if (read?.status === 404) return { value: null };
        return read?.status === 200 ? { value: String(read.body!["value"]) } : undefined;
      });
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  return load;
}

/** kill -9 of the primary of the moment, after `delayMs`; returns the view it was primary of. */
async function killPrimaryAfter(base: string, delayMs: number): Promise<View> {
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  const before = (await view(base))!.view;
  const killed = await call(base, "POST", `/cluster/nodes/${before.primary}/kill`);
  expect(killed?.status, `kill -9 of the primary ${before.primary}`).toBe(200);
  return before;
}

/** Each writer's key holds every acknowledged append, none twice. */
async function expectAppendsKept(base: string, acked: string[][]): Promise<void> {
  for (let w = 0; w < WRITERS; w++) {
    const read = await call(base, "GET", `/kv/w${w}?via=primary`);
    const parts = String(read?.body?.["value"] ?? "")
      .split(";")
      .filter((part) => part !== "")
      .map((part) => `${part};`);
    const missing = acked[w]!.filter((value) => !parts.includes(value));
    const doubled = parts.filter((part, index) => parts.indexOf(part) !== index);
    expect(missing, `writer ${w}: acknowledged appends missing after the failover`).toEqual([]);
    expect(doubled, `writer ${w}: appends applied twice`).toEqual([]);
  }
}

afterAll(() => stopAllServices());

describe("the live cluster (hidden)", () => {
  let cluster: ServiceProcess;

  it("loses no acknowledged write when the primary is killed with kill -9 under load, in sync mode [R05.3.3, R05.0.2]", async () => {
    cluster = await startService({ service: "cluster", env: { PB_MODE: "sync" }, readyTimeoutMs: 150_000 });
    const base = cluster.url;
    const [load, before] = await Promise.all([
      writeLoad(base, Date.now() + LOAD_MS),
      killPrimaryAfter(base, KILL_AFTER_MS),
    ]);
    const after = await waitFor(
      "a new primary, acknowledged",
      async () => {
        const status = await view(base);
        const moved = status?.acked && status.view.primary && status.view.primary !== before.primary;
        return moved ? status.view : undefined;
      },
      30_000,
    );
    expect(after.num).toBeGreaterThan(before.num);
    await expectAppendsKept(base, load.acked);
    expect(load.acked.flat().length, "the writers got acknowledgements").toBeGreaterThan(WRITERS);
    const verdict = checkHistory(kvModel, load.history, { timeoutMs: 20_000 });
    expect(verdict.result, "the shared key's history is linearizable").toBe("ok");
  });

  it("brings a killed replica back empty, as the backup of a new view [R05.1.6, R05.4.1]", async () => {
    const base = cluster.url;
    const status = (await view(base))!;
    const idle = status.view.primary === "s1" ? "s2" : "s1";
    const restart = await call(base, "POST", `/cluster/nodes/${idle}/restart`);
    expect(restart?.status, `restart of ${idle}`).toBe(200);
    const next = await waitFor(
      `${idle} the backup of an acknowledged view`,
      async () => {
        const current = await view(base);
        return current?.acked && current.view.backup === idle ? current.view : undefined;
      },
      30_000,
    );
    const killPrimary = await call(base, "POST", `/cluster/nodes/${next.primary}/kill`);
    expect(killPrimary?.status).toBe(200);
    const read = await waitFor(
      "a read served by the restarted replica",
      async () => {
        const reply = await call(base, "GET", "/kv/w0?via=primary");
        return reply?.status === 200 ? reply : undefined;
      },
      30_000,
    );
    expect(String(read.body!["value"]).length, "the restarted replica got the whole state").toBeGreaterThan(0);
  });
});
