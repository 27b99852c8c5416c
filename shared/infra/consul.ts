// Finding a Consul: CONSUL_HTTP_ADDR when set (someone else runs it), else `consul agent -dev` when the
// binary is on PATH (started on free loopback ports, in memory), else the official image through
// testcontainers when a container runtime answers, else — unless the caller wants a real Consul only —
// the kit's embedded Consul-compatible registry, which always runs. Every result says which one it is.
import { spawn, spawnSync } from "node:child_process";
import { startRegistry, type EmbeddedRegistry } from "@distlab/kit/registry";
import { containerRuntime, firstLine } from "./containers.ts";
import { freePort } from "./etcd.ts";

export interface ConsulServer {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:8500 (the API is under /v1). */
  url: string;
  host: string;
  port: number;
  /** For the test or demo to print: "CONSUL_HTTP_ADDR", "consul 1.20.1 agent -dev (pid 1234)", "embedded registry", … */
  source: string;
  kind: "env" | "binary" | "container" | "embedded";
  /** The embedded registry itself, when that is what was found (its request counters, its clock). */
  embedded?: EmbeddedRegistry;
  /** Stops the server if this process started it. */
  stop(): Promise<void>;
}

export type ConsulLookup = { server: ConsulServer; reason?: undefined } | { server: null; reason: string };

const CONSUL_IMAGE = "hashicorp/consul:1.20";

/** The consul binary on PATH and its version, or null. */
export function findConsulBinary(): { path: string; version: string } | null {
  const result = spawnSync("consul", ["version"], { encoding: "utf8", timeout: 5000 });
  if (result.error || result.status !== 0) return null;
  return { path: "consul", version: /Consul v(\S+)/.exec(result.stdout)?.[1] ?? "unknown" };
}

/** A real Consul (env, binary, container), or null with the reason; never the embedded registry. */
export async function findRealConsul(): Promise<ConsulLookup> {
  const fromEnv = process.env["CONSUL_HTTP_ADDR"];
  if (fromEnv) {
    const url = new URL(/^https?:\/\//.test(fromEnv) ? fromEnv : `http://${fromEnv}`);
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    return {
      server: {
        url: url.origin,
        host: url.hostname,
        port,
        source: "CONSUL_HTTP_ADDR",
        kind: "env",
        stop: async () => {},
      },
    };
  }
  const reasons: string[] = [];
  if (findConsulBinary()) {
    try {
      return { server: await startConsulDev() };
    } catch (error) {
      reasons.push(`consul agent -dev did not start: ${firstLine(error)}`);
    }
  } else {
    reasons.push("the consul binary is not on PATH");
  }
  const container = await startConsulContainer();
  if (container.server) return container;
  reasons.push(container.reason);
  return { server: null, reason: `no real Consul: CONSUL_HTTP_ADDR is not set, ${reasons.join("; ")}` };
}

/** A real Consul when there is one, else the embedded registry (always available). */
export async function findConsul(): Promise<ConsulServer & { fallbackReason?: string }> {
  const real = await findRealConsul();
  if (real.server) return real.server;
  return { ...(await startEmbeddedConsul()), fallbackReason: real.reason };
}

export async function startEmbeddedConsul(port = 0): Promise<ConsulServer> {
  const registry = await startRegistry({ port });
  return {
    url: registry.url,
    host: registry.host,
    port: registry.port,
    source: "embedded registry (@distlab/kit/registry)",
    kind: "embedded",
    embedded: registry,
    stop: () => registry.close(),
  };
}

/** `consul agent -dev` on loopback with every port chosen free; ready once it has a leader. */
async function startConsulDev(readyTimeoutMs = 20_000): Promise<ConsulServer> {
  const binary = findConsulBinary()!;
  const [http, serfLan, serfWan, server] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const child = spawn(
    binary.path,
    [
      "agent",
      "-dev",
      "-bind=127.0.0.1",
      "-client=127.0.0.1",
      `-http-port=${http}`,
      "-dns-port=-1",
      "-grpc-port=-1",
      `-serf-lan-port=${serfLan}`,
      `-serf-wan-port=${serfWan}`,
      `-server-port=${server}`,
      "-log-level=error",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  const url = `http://127.0.0.1:${http}`;
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const leader = await fetch(`${url}/v1/status/leader`, { signal: AbortSignal.timeout(1000) });
      if (leader.ok && ((await leader.json()) as string) !== "")
        return {
          url,
          host: "127.0.0.1",
          port: http,
          source: `consul ${binary.version} agent -dev (pid ${child.pid})`,
          kind: "binary",
          stop,
        };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`consul agent -dev had no leader within ${readyTimeoutMs} ms:\n${stderr}`);
}

async function startConsulContainer(): Promise<ConsulLookup> {
  const runtime = await containerRuntime();
  if (!runtime.testcontainers) return { server: null, reason: runtime.reason };
  const { GenericContainer, Wait } = runtime.testcontainers;
  try {
    const container = await new GenericContainer(CONSUL_IMAGE)
      .withCommand(["agent", "-dev", "-client=0.0.0.0", "-log-level=error"])
      .withExposedPorts(8500)
      .withWaitStrategy(Wait.forHttp("/v1/status/leader", 8500).forResponsePredicate((body) => body.length > 2))
      .start();
    const host = container.getHost();
    const port = container.getMappedPort(8500);
    return {
      server: {
        url: `http://${host}:${port}`,
        host,
        port,
        source: `container ${CONSUL_IMAGE}`,
        kind: "container",
        stop: async () => void (await container.stop()),
      },
    };
  } catch (error) {
    return { server: null, reason: `the Consul container did not start: ${firstLine(error)}` };
  }
}
