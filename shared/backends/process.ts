import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Behaviour, BackendStats } from "./server.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

export interface StartBackendOptions {
  /** The name the backend reports in its answers and stats. */
  instance: string;
  /** 0 (default) asks the OS for a free port; a restart passes the old one to come back at the same address. */
  port?: number;
  /** Answer a fixed small body to every GET (the benchmarks' backend). */
  fixed?: boolean;
  readyTimeoutMs?: number;
}

/** A test backend running as its own process (see server.ts for what it does). */
export interface Backend {
  readonly instance: string;
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  stats(): Promise<BackendStats>;
  resetStats(): Promise<void>;
  /** Sets the instance's defaults; fields left out go back to normal. */
  behave(behaviour: Partial<Behaviour>): Promise<void>;
  /** Sends a signal (SIGKILL by default) and waits for the process to end. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the instance again on the same port (after a kill). */
  restart(): Promise<Backend>;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** A process that prints {"msg":"listening","port":N} once it listens (a backend, a baseline proxy). */
export interface ListeningProcess {
  child: ChildProcess;
  port: number;
  /** Settles once the process has ended and its output is read. */
  exited: Promise<void>;
  output(): string;
}

/**
 * Runs `node <args>` and waits for its listening line; kills it and fails with its output when it exits
 * first or stays silent for `timeoutMs`. Every such process is killed when this one exits.
 */
export async function spawnListening(args: string[], name: string, timeoutMs = 10_000): Promise<ListeningProcess> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once("close", () => {
      live.delete(child);
      resolve();
    }),
  );
  let text = "";
  child.stdout!.on("data", (chunk: Buffer) => (text = (text + chunk.toString()).slice(-10_000)));
  child.stderr!.on("data", (chunk: Buffer) => (text = (text + chunk.toString()).slice(-10_000)));
  const output = () => text;
  const port = await listeningPort(child, output, timeoutMs, name);
  return { child, port, exited, output };
}

export async function startBackend(options: StartBackendOptions): Promise<Backend> {
  const args = [MAIN, "--instance", options.instance, "--port", String(options.port ?? 0)];
  if (options.fixed) args.push("--fixed");
  // Node runs this erasable TypeScript itself: no loader, so a backend starts in milliseconds.
  const { child, port, exited } = await spawnListening(
    args,
    `test backend ${options.instance}`,
    options.readyTimeoutMs,
  );
  const url = `http://127.0.0.1:${port}`;
  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}/_backend/${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      signal: AbortSignal.timeout(5_000),
    });
    const value: unknown = await response.json();
    if (!response.ok)
      throw new Error(`backend ${options.instance}: ${method} /_backend/${path}: ${JSON.stringify(value)}`);
    return value;
  };
  return {
    instance: options.instance,
    url,
    port,
    pid: child.pid!,
    stats: async () => (await control("GET", "stats")) as BackendStats,
    resetStats: async () => void (await control("DELETE", "stats")),
    behave: async (behaviour) => void (await control("PUT", "behaviour", behaviour)),
    kill: async (signal = "SIGKILL") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    restart: () => startBackend({ ...options, port }),
  };
}

async function listeningPort(
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
  name: string,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = output()
      .split("\n")
      .find((text) => text.includes('"msg":"listening"'));
    if (line) return (JSON.parse(line) as { port: number }).port;
    if (child.exitCode !== null || child.signalCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  child.kill("SIGKILL");
  throw new Error(`${name} did not start listening within ${timeoutMs} ms. Its output:\n${output()}`);
}

/** Kills every backend this process started; call it in afterAll. */
export async function stopAllBackends(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("close", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}
