import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readLabDirs } from "../../src/cli/resolve-hook.js";
import { observedSpawn, type Observation, type ObserveOptions } from "../observe/index.ts";
import type { SandboxedProcess } from "../sandbox/spawn.ts";
import { spawnService } from "./sandboxed.ts";

const CLI = fileURLToPath(new URL("../../bin/distlab.js", import.meta.url));
const LOG_LIMIT = 200_000;

export interface StartOptions {
  /** The lab, as `01`, `kv` or `01-kv`; defaults to the lab under test (DISTLAB_LAB). */
  lab?: string;
  service: string;
  /** The folder holding the lab's src/; defaults to the lab's folder in this run's prerequisite map. */
  target?: string;
  /** Reuse a data folder (to restart on the same files); by default each start gets a fresh temp folder. */
  dataDir?: string;
  env?: Record<string, string>;
  /** How long to wait for the service to listen and answer /ready. */
  readyTimeoutMs?: number;
  /** Report what the process does (file operations in its data folder, requests, replies, memory). */
  observe?: ObserveOptions;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A service started as its own process by `distlab run`, on a free loopback port. */
export interface ServiceProcess {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dataDir: string;
  readonly options: StartOptions;
  /** Everything the process printed so far (stdout and stderr). */
  logs(): string;
  /** Resolves when the process has exited (immediately when it already has). */
  exited(): Promise<ExitStatus>;
  /** Sends a signal and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<ExitStatus>;
  /** What the process did, in order; only for a service started with `observe`. */
  observation(): Observation;
}

const live = new Set<SandboxedProcess>();
const tempDirs = new Set<string>();

process.once("exit", () => {
  for (const service of live) service.signal("SIGKILL");
});

/**
 * The code a service runs when the caller does not say: the folder this run's prerequisite map
 * (DISTLAB_LAB_DIRS, computed by the runner from the manifests) gives for that lab — the target under
 * test for the lab under test; the student's own lab or the reference for a prerequisite, such as Lab 01's
 * KV under Lab 02. Without a map, `distlab run` picks its own default.
 */
function defaultTarget(lab: string): string | undefined {
  const map = readLabDirs();
  if (!map) return undefined;
  const wanted = lab.trim().toLowerCase();
  const name = Object.keys(map.labs).find(
    (candidate) =>
      candidate === wanted || candidate.slice(0, 2) === wanted.padStart(2, "0") || candidate.slice(3) === wanted,
  );
  if (!name) {
    throw new Error(
      `startService: lab ${lab} is not part of this run; it can start the lab under test and its prerequisites (${Object.keys(map.labs).join(", ")})`,
    );
  }
  return map.labs[name]!.dir;
}

export async function makeTempDir(prefix = "distlab-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export async function startService(options: StartOptions): Promise<ServiceProcess> {
  const lab = options.lab ?? process.env.DISTLAB_LAB;
  if (!lab) throw new Error("startService: no lab given and DISTLAB_LAB is not set");
  const target = options.target ?? defaultTarget(lab);
  const dataDir = options.dataDir ?? (await makeTempDir(`distlab-${options.service}-`));
  const targetArgs = target === undefined ? [] : ["--target", target];
  const args = [CLI, "run", lab, options.service, ...targetArgs, "--port", "0", "--data-dir", dataDir];
  const observed = options.observe && observedSpawn(options.observe, dataDir);
  // Submitted code: sandboxed, with an environment of the lab's settings only (see sandboxed.ts).
  const { process: sandboxed, scratch } = spawnService([...(observed ? observed.nodeArgs : []), ...args], {
    lab,
    target,
    dataDir,
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "info", ...options.env, ...observed?.env },
    stdio: observed ? observed.stdio : ["ignore", "pipe", "pipe"],
  });
  for (const dir of scratch) tempDirs.add(dir);
  const child = sandboxed.child;
  const observation = observed?.attach(child);
  live.add(sandboxed);
  let output = "";
  const record = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (output.length > LOG_LIMIT) output = output.slice(-LOG_LIMIT);
  };
  child.stdout!.on("data", record);
  child.stderr!.on("data", record);
  let status: ExitStatus | null = null;
  // "close", not "exit": it comes once the process has ended and its output has been read to the end, so
  // logs() after exited() holds everything the service printed.
  const exit = new Promise<ExitStatus>((resolve) => {
    // Whatever the service left running in its process group ends with it.
    child.once("exit", () => sandboxed.signal("SIGKILL"));
    child.once("close", (code: number | null, signal: NodeJS.Signals | null) => {
      live.delete(sandboxed);
      status = { code, signal };
      resolve(status);
    });
  });
  const logs = () => output;
  const describe = `${options.service} (lab ${lab}, target ${target ?? "distlab run's default"})`;
  try {
    const port = await waitForListening(child, logs, () => status, options.readyTimeoutMs ?? 20_000, describe);
    const url = `http://127.0.0.1:${port}`;
    await waitForReady(url, () => status, logs, options.readyTimeoutMs ?? 20_000, describe);
    return {
      name: options.service,
      url,
      port,
      pid: child.pid!,
      dataDir,
      options: { ...options, lab, target, dataDir },
      logs,
      exited: () => exit,
      kill: async (signal = "SIGKILL") => {
        if (!status) sandboxed.signal(signal);
        return exit;
      },
      observation: () => {
        if (!observation) throw new Error(`${describe} was started without observe: nothing was recorded`);
        return observation;
      },
    };
  } catch (error) {
    sandboxed.signal("SIGKILL");
    await exit;
    throw error;
  }
}

/** Starts the same service again on the same data folder (after a crash or a stop). */
export function restartService(previous: ServiceProcess): Promise<ServiceProcess> {
  return startService({ ...previous.options, dataDir: previous.dataDir });
}

/** The end of a service's output, bounded in lines and in line length: it is quoted in failure messages. */
function tail(text: string, lines = 25, lineLength = 240): string {
  return text
    .trimEnd()
    .split("\n")
    .slice(-lines)
    .map((line) => (line.length > lineLength ? `${line.slice(0, lineLength)}…` : line))
    .join("\n");
}

/** The port from the service's `{"msg":"listening","port":N}` log line, once it has printed it. */
function listeningPort(output: string): number | undefined {
  for (const line of output.split("\n")) {
    if (!line.includes('"msg":"listening"')) continue;
    try {
      const port = (JSON.parse(line) as { port?: unknown }).port;
      if (typeof port === "number") return port;
    } catch {
      // a partial line: read it again on the next poll
    }
  }
  return undefined;
}

async function waitForListening(
  child: ChildProcess,
  logs: () => string,
  exitStatus: () => ExitStatus | null,
  timeoutMs: number,
  describe: string,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const port = listeningPort(logs());
    if (port !== undefined) return port;
    const status = exitStatus();
    if (status) {
      throw new Error(
        `${describe} exited (code ${status.code}, signal ${status.signal}) before listening. Its output:\n${tail(logs())}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill("SIGKILL");
  throw new Error(`${describe} did not start listening within ${timeoutMs} ms. Its output:\n${tail(logs())}`);
}

async function waitForReady(
  url: string,
  exitStatus: () => ExitStatus | null,
  logs: () => string,
  timeoutMs: number,
  describe: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (exitStatus()) throw new Error(`${describe} exited before it was ready. Its output:\n${tail(logs())}`);
    try {
      const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(
    `${describe} was not ready within ${timeoutMs} ms (last /ready: ${last}). Its output:\n${tail(logs())}`,
  );
}

/** Kills every service this process started and removes the temp folders made for them. */
export async function stopAllServices(): Promise<void> {
  // "close" (its output ended), not "exit": a sandbox's monitor exits before the processes inside it are gone.
  const exits = [...live].map(
    ({ child, signal }) =>
      new Promise<void>((resolve) => {
        child.once("close", () => resolve());
        signal("SIGKILL");
      }),
  );
  await Promise.all(exits);
  await Promise.all([...tempDirs].map((dir) => rm(dir, { recursive: true, force: true })));
  tempDirs.clear();
}
