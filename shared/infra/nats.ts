// Finding a NATS server: NATS_URL when set (someone else runs it), else Debian's nats-server started on a
// free loopback port and a temp folder (ours to stop), else null with a one-line reason that a test can
// print when it skips and a demo when it falls back to the embedded transport.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface NatsServer {
  /** Client URL, e.g. nats://127.0.0.1:41234 */
  url: string;
  /** Where it came from: "NATS_URL" or "nats-server 2.9.10 (pid 1234)". */
  source: string;
  /** The server process when this process started it, else null. */
  pid: number | null;
  /** Stops the server if this process started it (and removes its folder); resolves once it has exited. */
  stop(): Promise<void>;
}

export type NatsLookup = { server: NatsServer; reason?: undefined } | { server: null; reason: string };

/** Debian installs nats-server in /usr/sbin, which is not on every user's PATH. */
const DEBIAN_BINARY = "/usr/sbin/nats-server";

/** The nats-server binary and its version, or null when it is not installed (Debian: nats-server). */
export function findNatsServerBinary(): { path: string; version: string } | null {
  for (const path of ["nats-server", DEBIAN_BINARY]) {
    if (path === DEBIAN_BINARY && !existsSync(path)) continue;
    const result = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 5000 });
    if (result.error || result.status !== 0) continue;
    return { path, version: /v?(\d+\.\d+\.\d+\S*)/.exec(result.stdout)?.[1] ?? result.stdout.trim() };
  }
  return null;
}

/** NATS_URL → a local nats-server → null with the reason. */
export async function findNats(): Promise<NatsLookup> {
  const fromEnv = process.env["NATS_URL"];
  if (fromEnv) return { server: { url: fromEnv, source: "NATS_URL", pid: null, stop: async () => {} } };
  if (!findNatsServerBinary())
    return {
      server: null,
      reason: "no NATS server: NATS_URL is not set and nats-server is not installed (Debian: nats-server)",
    };
  try {
    return { server: await startLocalNats() };
  } catch (error) {
    return { server: null, reason: `nats-server did not start: ${(error as Error).message.split("\n")[0]}` };
  }
}

/**
 * Starts nats-server (with JetStream, stored in a temp folder) on 127.0.0.1 and a port the OS picks
 * (`-p -1`, so no other process can take it between choosing and listening); the port is read from
 * the server's log, and the server is ready when it says so.
 */
export async function startLocalNats(readyTimeoutMs = 10_000): Promise<NatsServer> {
  const binary = findNatsServerBinary();
  if (!binary) throw new Error("nats-server is not installed (Debian: apt-get install nats-server)");
  const dir = await mkdtemp(join(tmpdir(), "distlab-nats-"));
  const child = spawn(binary.path, ["-a", "127.0.0.1", "-p", "-1", "-js", "-sd", dir], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  let log = "";
  const url = await new Promise<string | undefined>((resolve) => {
    let port: string | undefined;
    const timer = setTimeout(() => resolve(undefined), readyTimeoutMs);
    const done = (value: string | undefined) => {
      clearTimeout(timer);
      child.stderr!.removeAllListeners("data");
      child.stderr!.resume();
      resolve(value);
    };
    child.stderr!.on("data", (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
      port ??= /Listening for client connections on 127\.0\.0\.1:(\d+)/.exec(log)?.[1];
      if (port !== undefined && log.includes("Server is ready")) done(`nats://127.0.0.1:${port}`);
    });
    child.once("exit", () => done(undefined));
    child.once("error", () => done(undefined));
  });
  if (url === undefined) {
    await stop();
    throw new Error(`nats-server was not ready within ${readyTimeoutMs} ms:\n${log}`);
  }
  return { url, source: `nats-server ${binary.version} (pid ${child.pid})`, pid: child.pid ?? null, stop };
}
