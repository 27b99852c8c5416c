import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  coveringSync,
  firstWriteContaining,
  inFlightAt,
  observedSpawn,
  type Observation,
  type ObserveOptions,
} from "./index.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/durable-echo.mjs", import.meta.url));
const started: { child: ChildProcess; dir: string }[] = [];

afterEach(async () => {
  for (const { child, dir } of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  }
});

async function startObserved(mode: "honest" | "early", options: ObserveOptions = {}) {
  const dir = await mkdtemp(join(tmpdir(), "distlab-observe-"));
  const observed = observedSpawn(options, dir);
  const child = spawn(process.execPath, [...observed.nodeArgs, FIXTURE, dir, mode], {
    env: { ...process.env, ...observed.env },
    stdio: observed.stdio,
  });
  started.push({ child, dir });
  const observation = observed.attach(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once("data", (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`the fixture exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, observation, child };
}

/** For each reply to PUT /k/<key>: was a sync covering the write of <key> done before it? */
function acknowledgedBeforeSync(observation: Observation): string[] {
  return observation
    .replies((reply) => reply.method === "PUT")
    .filter((reply) => {
      const write = firstWriteContaining(observation, "log", `${reply.url.slice(3)}\n`);
      return !write || !coveringSync(observation, write, reply.seq);
    })
    .map((reply) => reply.url);
}

/** Sends a write, then, once its sync has started, another request: what of the log was in flight at its reply. */
async function inFlightDuringAWrite(options: ObserveOptions): Promise<string[]> {
  const { url, observation } = await startObserved("honest", options);
  const put = fetch(`${url}/k/held`, { method: "PUT" }).then((r) => r.text());
  await observation.waitFor((event) => event.kind === "sync" && event.phase === "start", "the sync to start");
  await fetch(`${url}/env`).then((r) => r.text());
  await put;
  const envReply = observation.replies((reply) => reply.url === "/env")[0]!;
  return inFlightAt(observation, "log", envReply.seq).map((operation) => operation.kind);
}

describe("observing a process: file operations and replies in order", () => {
  it("sees each write, the sync that covers it and the reply after it", async () => {
    const { url, observation } = await startObserved("honest");
    await Promise.all(["a", "b", "c"].map((key) => fetch(`${url}/k/${key}`, { method: "PUT" }).then((r) => r.text())));
    await observation.waitFor((event) => event.kind === "reply" && event.url === "/k/c", "the reply to c");
    expect(observation.operations({ kind: "write", file: "log" })).toHaveLength(3);
    expect(acknowledgedBeforeSync(observation)).toEqual([]);
  });

  it("catches a reply sent before the sync of its write", async () => {
    const { url, observation } = await startObserved("early");
    await fetch(`${url}/k/x`, { method: "PUT" }).then((r) => r.text());
    await observation.waitFor((event) => event.kind === "sync" && event.phase === "end", "the sync");
    expect(acknowledgedBeforeSync(observation)).toEqual(["/k/x"]);
  });

  it("holds a sync, so what happens meanwhile is seen while it is in flight", async () => {
    expect(await inFlightDuringAWrite({ holdSyncMs: 400 })).toEqual(["sync"]);
  });

  it("holds the syncs of the file it is named, and checks the name", async () => {
    expect(await inFlightDuringAWrite({ holdSyncOf: { file: "log", ms: 400 } })).toEqual(["sync"]);
    expect(() => observedSpawn({ holdSyncOf: { file: "a/b", ms: 1 } }, "/tmp")).toThrow(/observe.holdSyncOf/);
  });

  it("takes its settings out of the environment before the service's code runs", async () => {
    const { url } = await startObserved("honest");
    expect(await fetch(`${url}/env`).then((r) => r.json())).toEqual([]);
  });

  it("samples memory when asked, and reports the close of a file", async () => {
    const { observation, child } = await startObserved("honest", { memoryEveryMs: 20 });
    await observation.waitFor(() => observation.memory().length >= 3, "three memory samples");
    child.kill("SIGTERM");
    await observation.waitFor((event) => event.kind === "close" && event.phase === "end", "the log to be closed");
    expect(observation.memory()[0]!.rss).toBeGreaterThan(0);
  });

  it("fails the sync it is asked to fail, without syncing", async () => {
    const { url, observation } = await startObserved("honest", { failSync: { file: "log", nth: 2 } });
    expect(await fetch(`${url}/k/one`, { method: "PUT" }).then((r) => r.status)).toBe(200);
    await fetch(`${url}/k/two`, { method: "PUT" }).catch(() => undefined);
    await observation.waitFor((event) => event.kind === "sync" && event.phase === "error", "the failed sync");
    expect(observation.operations({ kind: "sync", file: "log" }).map((sync) => sync.error)).toEqual([undefined, "EIO"]);
  });

  it("refuses a setting that is not a number of milliseconds", () => {
    expect(() => observedSpawn({ holdSyncMs: -1 }, "/tmp")).toThrow(
      /observe.holdSyncMs must be a non-negative integer/,
    );
  });
});
