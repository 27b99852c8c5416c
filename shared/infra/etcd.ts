import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LocalEtcd {
  /** Client URL, e.g. http://127.0.0.1:23790 */
  endpoint: string;
  version: string;
  pid: number;
  ports: { client: number; peer: number };
  stop(): Promise<void>;
}

/** The etcd binary on PATH and its version, or null when it is not installed (Debian: etcd-server). */
export function findEtcdBinary(): { path: string; version: string } | null {
  const result = spawnSync("etcd", ["--version"], { encoding: "utf8", timeout: 5000 });
  if (result.error || result.status !== 0) return null;
  const version = /etcd Version: (\S+)/.exec(result.stdout)?.[1] ?? result.stdout.split("\n")[0] ?? "unknown";
  return { path: "etcd", version };
}

/** A loopback port that was free a moment ago (for servers that must be told their port up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a single-member etcd on a temp folder and free loopback ports (or the `ports` given, to start a
 * fresh etcd where a killed one listened); stop() kills it and removes the folder.
 */
export async function startLocalEtcd(
  readyTimeoutMs = 20_000,
  ports?: { client: number; peer: number },
): Promise<LocalEtcd> {
  const binary = findEtcdBinary();
  if (!binary) throw new Error("etcd is not installed (Debian: apt-get install etcd-server)");
  const dir = await mkdtemp(join(tmpdir(), "distlab-etcd-"));
  const [clientPort, peerPort] = ports ? [ports.client, ports.peer] : [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child: ChildProcess = spawn(
    binary.path,
    [
      "--name=bench",
      `--data-dir=${dir}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=bench=${peer}`,
      "--log-level=error",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    child.kill("SIGKILL");
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const health = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      if (health.ok)
        return {
          endpoint,
          version: binary.version,
          pid: child.pid!,
          ports: { client: clientPort, peer: peerPort },
          stop,
        };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`etcd did not become healthy within ${readyTimeoutMs} ms:\n${stderr}`);
}
