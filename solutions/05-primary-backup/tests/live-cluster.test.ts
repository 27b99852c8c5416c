// Hidden: the same node code live, as processes (`distlab run 05 cluster`: the view service, two replicas
// and the cache, with the KV API in front). Writers keep appending while the primary is killed with
// kill -9; in synchronous mode no acknowledged append may be missing or doubled afterwards, and the
// history of a key all writers share must be linearizable. Real time here: the kill comes after a number
// of acknowledgements, not after a time; waits are bounded and generous; nothing is asserted about speed.
import { checkHistory, kvModel, type KvOperation } from "@distlab/kit/check";
import { startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const WRITERS = 4;
/** Rounds per writer: an append to its own key, a put and a read of the shared key. */
const ROUNDS = 8;
/** The primary is killed once this many appends were acknowledged: under load, not before it. */
const KILL_AFTER_ACKS = 8;
/** How long the front waits for the cluster before it answers 503, and how long the test waits for the front. */
const FRONT_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 90_000;

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

/** ROUNDS times, each writer appends to its own key, then puts and reads the shared key. */
async function writeLoad(base: string, onAck: (total: number) => void): Promise<Load> {
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
    for (let n = 1; n <= ROUNDS; n++) {
      const value = `${w}.${n};`;
      const append = await call(base, "POST", `/kv/w${w}/append`, { value });
      if (append?.status === 200) {
        load.acked[w]!.push(value);
        onAck(load.acked.flat().length);
      }
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

/** kill -9 of the primary of the moment once `ready` settles; returns the view it was primary of. */
async function killPrimaryWhen(base: string, ready: Promise<unknown>): Promise<View> {
  await ready;
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

/** Generous bounds for real processes on a busy machine: five of them start, each loading the kit. */
const START_MS = 250_000;
const TEST_MS = 150_000;

describe("the live cluster (hidden)", () => {
  let cluster: ServiceProcess;

  beforeAll(async () => {
    cluster = await startService({
      service: "cluster",
      env: { PB_MODE: "sync", PB_TIMEOUT_MS: String(FRONT_TIMEOUT_MS) },
      readyTimeoutMs: START_MS - 10_000,
    });
  }, START_MS);

  it(
    "loses no acknowledged write when the primary is killed with kill -9 under load, in sync mode [R05.3.3, R05.0.2]",
    async () => {
      const base = cluster.url;
      let killed = false;
      let acksAfterKill = 0;
      let underLoad!: () => void;
      const loaded = new Promise<void>((resolve) => (underLoad = resolve));
      const [load, before] = await Promise.all([
        writeLoad(base, (total) => {
          if (killed) acksAfterKill++;
          else if (total >= KILL_AFTER_ACKS) underLoad();
        }),
        killPrimaryWhen(base, loaded).then((view) => {
          killed = true;
          return view;
        }),
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
      expect(acksAfterKill, "appends were acknowledged after the kill too").toBeGreaterThan(0);
      const verdict = checkHistory(kvModel, load.history, { timeoutMs: 20_000 });
      expect(verdict.result, "the shared key's history is linearizable").toBe("ok");
    },
    TEST_MS,
  );

  it(
    "brings a killed replica back empty, as the backup of a new view [R05.1.6, R05.4.1]",
    async () => {
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
    },
    TEST_MS,
  );
});
