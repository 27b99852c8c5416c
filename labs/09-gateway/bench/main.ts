// Lab 09's benchmark (`distlab bench 09`): requests/s and latency through the gateway, and through nginx
// and @fastify/http-proxy, in front of the same backend, with the same load generator, in one run.
import { spawnListening, startBackend } from "@distlab/kit/backends";
import type { BenchOptions, BenchReport, BenchRow } from "@distlab/kit/bench";
import { makeTempDir, startService, stopAllServices } from "@distlab/kit/harness";
import { startEmbeddedConsul } from "@distlab/kit/infra";
import { DEFAULT_LIMITS, nodeHeapArgs } from "@distlab/kit/sandbox";
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { findLoadTool, type LoadTool } from "./load.ts";
import { nginxVersion, startNginx } from "./nginx.ts";
import { cpuPlan, cpuSeconds, pinProcessTree } from "./pin.ts";

const CONCURRENCIES = [16, 64];
/** The concurrency the ratios are taken at. */
const RATIO_AT = 64;
const OURS = "distlab gateway";

interface Running {
  url: string;
  pid: number;
  stop(): Promise<unknown>;
}

interface System {
  name: string;
  start(backend: string): Promise<Running>;
}

/** Registers the backend as service `bench` in the kit's embedded Consul-compatible registry. */
async function registryWith(backend: string) {
  const registry = await startEmbeddedConsul();
  const url = new URL(backend);
  const response = await fetch(`${registry.url}/v1/agent/service/register`, {
    method: "PUT",
    body: JSON.stringify({ ID: "bench-1", Name: "bench", Address: url.hostname, Port: Number(url.port) }),
  });
  if (!response.ok) throw new Error(`registering the backend: HTTP ${response.status} ${await response.text()}`);
  return registry;
}

/** The gateway under test with its features on: discovery, balancing, a rate limit on the route, metrics. */
function gatewaySystem(target: string): System {
  return {
    name: OURS,
    async start(backend) {
      const registry = await registryWith(backend);
      const dir = await makeTempDir("distlab-bench-gateway-");
      const routesFile = join(dir, "routes.yaml");
      const routes = {
        version: 1,
        accessLog: false,
        upstreams: { bench: { discovery: { service: "bench" }, balancer: "least-outstanding", connections: 64 } },
        routes: [
          {
            id: "bench",
            match: { prefix: "/" },
            upstream: "bench",
            rateLimit: { perClient: { capacity: 1_000_000_000, refillPerSecond: 1_000_000_000 } },
          },
        ],
      };
      await writeFile(routesFile, stringify(routes));
      const gateway = await startService({
        lab: "09-gateway",
        service: "gateway",
        target,
        dataDir: dir,
        env: {
          GATEWAY_ROUTES: routesFile,
          LOG_LEVEL: "warn",
          REGISTRY: "consul",
          CONSUL_HTTP_ADDR: `${registry.host}:${registry.port}`,
        },
      });
      return {
        url: gateway.url,
        pid: gateway.pid,
        stop: async () => {
          await gateway.kill("SIGTERM");
          await registry.stop();
        },
      };
    },
  };
}

function fastifyProxySystem(): System {
  const version = (createRequire(import.meta.url)("@fastify/http-proxy/package.json") as { version: string }).version;
  return scriptSystem(`@fastify/http-proxy ${version}`, "./fastify-proxy.ts");
}

/** The bound of any gateway on node:http and undici: the two of them alone, no feature (bare-proxy.ts). */
const CEILING = "node:http + undici, no features";
/** The same for the kit's HTTP engine, which the gateway runs on (engine-proxy.ts). */
const ENGINE = "kit http-engine, no features";

function nginxSystem(version: string): System {
  return {
    name: `nginx ${version}`,
    start: (backend) => startNginx(backend),
  };
}

/**
 * A Node script printing {"msg":"listening","port":N}, started with the backend's URL as its argument,
 * with the V8 heap settings the sandbox gives the gateway: a heap cap also sizes V8's young generation,
 * so a Node row without it would collect its garbage on other terms than the gateway's row.
 */
function scriptSystem(name: string, file: string): System {
  const script = fileURLToPath(new URL(file, import.meta.url));
  return {
    name,
    async start(backend) {
      const proxy = await spawnListening(nodeHeapArgs(process.execPath, [script, backend], DEFAULT_LIMITS), name);
      return {
        url: `http://127.0.0.1:${proxy.port}`,
        pid: proxy.child.pid!,
        stop: async () => {
          proxy.child.kill("SIGTERM");
          await proxy.exited;
        },
      };
    },
  };
}

/** Each row is the best of this many rounds, the systems taking turns within every round. */
const ROUNDS = 3;

interface Contender {
  name: string;
  running: Running;
}

interface Best {
  rows: Map<string, BenchRow>;
  /** Per system: the fewest CPU microseconds its own processes used per request at RATIO_AT. */
  cpuPerRequestUs: Map<string, number>;
}

async function measureOnce(contender: Contender, tool: LoadTool, seconds: number, concurrency: number, best: Best) {
  const cpuBefore = cpuSeconds(contender.running.pid);
  const figures = await tool.run(contender.running.url, concurrency, seconds);
  const cpu = cpuSeconds(contender.running.pid) - cpuBefore;
  if (!(figures.rps > 0))
    throw new Error(`${contender.name} answered no request at concurrency ${concurrency} (${figures.errors} errors)`);
  const key = `${contender.name}|${concurrency}`;
  const row: BenchRow = { system: contender.name, concurrency, ...figures };
  if ((best.rows.get(key)?.rps ?? -1) < row.rps) best.rows.set(key, row);
  if (concurrency === RATIO_AT && figures.rps > 0) {
    const perRequest = Math.round((cpu * 1e6) / (figures.rps * seconds));
    best.cpuPerRequestUs.set(
      contender.name,
      Math.min(best.cpuPerRequestUs.get(contender.name) ?? Infinity, perRequest),
    );
  }
}

/**
 * Every contender at every concurrency, ROUNDS times over, taking turns: a burst of other work on the
 * machine falls on one contender's row in one round, not on all its rows, and the best round is kept.
 */
async function rounds(
  contenders: Contender[],
  tool: LoadTool,
  seconds: number,
  log: (line: string) => void,
): Promise<Best> {
  const best: Best = { rows: new Map(), cpuPerRequestUs: new Map() };
  for (const contender of contenders) await tool.run(contender.running.url, 16, 1);
  for (let round = 1; round <= ROUNDS; round++) {
    log(`  round ${round} of ${ROUNDS}`);
    for (const concurrency of CONCURRENCIES) {
      for (const contender of contenders) await measureOnce(contender, tool, seconds, concurrency, best);
    }
  }
  return best;
}

/** The backend every system forwards to: nginx answering a fixed body when installed, else a kit backend. */
async function startBackendServer(nginx: string | undefined): Promise<Running & { describe: string }> {
  if (nginx) return { ...(await startNginx()), describe: `nginx ${nginx} answering a fixed 31-byte JSON body` };
  const backend = await startBackend({ instance: "bench", fixed: true });
  return {
    url: backend.url,
    pid: backend.pid,
    stop: () => backend.kill("SIGTERM"),
    describe: "the kit's test backend (node:http) in fixed mode",
  };
}

function ratioAt(rows: BenchRow[], ours: string, theirs: string): number | undefined {
  const mine = rows.find((row) => row.system === ours && row.concurrency === RATIO_AT);
  const other = rows.find((row) => row.system.startsWith(theirs) && row.concurrency === RATIO_AT);
  return mine && other && other.rps > 0 ? Math.round((mine.rps / other.rps) * 100) / 100 : undefined;
}

/** Requests/s through the gateway and its baselines, each pinned to a core of its own when it runs. */
export async function bench({ target, seconds, log }: BenchOptions): Promise<BenchReport> {
  const plan = cpuPlan();
  const tool = findLoadTool(plan?.rest);
  const nginx = nginxVersion();
  const systems = [
    gatewaySystem(target),
    ...(nginx ? [nginxSystem(nginx)] : []),
    fastifyProxySystem(),
    scriptSystem(CEILING, "./bare-proxy.ts"),
    scriptSystem(ENGINE, "./engine-proxy.ts"),
  ];
  const backend = await startBackendServer(nginx);
  if (plan) pinProcessTree(backend.pid, plan.rest);
  const contenders: Contender[] = [{ name: "backend, direct", running: backend }];
  let best: Best;
  try {
    log(`gateway: GET through each system to ${backend.describe}, ${seconds} s per row (target ${target})`);
    for (const system of systems) {
      const running = await system.start(backend.url);
      if (plan) pinProcessTree(running.pid, plan.system);
      log(`  ${system.name} at ${running.url}`);
      contenders.push({ name: system.name, running });
    }
    best = await rounds(contenders, tool, seconds, log);
  } finally {
    for (const contender of contenders.slice(1)) await contender.running.stop();
    await backend.stop();
    await stopAllServices();
  }
  const rows = contenders.flatMap(({ name }) =>
    CONCURRENCIES.map((concurrency) => best.rows.get(`${name}|${concurrency}`)!),
  );
  const cpu = [...best.cpuPerRequestUs].map(([name, us]) => `${name} ${us} µs`);
  const direct = rows.find((row) => row.system === "backend, direct" && row.concurrency === RATIO_AT)?.rps ?? 0;
  const capped = rows
    .filter((row) => row.concurrency === RATIO_AT && row.system !== "backend, direct" && row.rps >= 0.85 * direct)
    .map((row) => row.system);
  const ratios: Record<string, number> = {};
  const nginxRatio = ratioAt(rows, OURS, "nginx");
  const fastifyRatio = ratioAt(rows, OURS, "@fastify/http-proxy");
  if (nginxRatio !== undefined) ratios.nginx = nginxRatio;
  if (fastifyRatio !== undefined) ratios["fastify-http-proxy"] = fastifyRatio;
  const ceilingRatio = ratioAt(rows, OURS, CEILING);
  const engineRatio = ratioAt(rows, OURS, ENGINE);
  const notes = [
    `load: ${tool.name}, closed loop, keep-alive connections; each row is the best of ${ROUNDS} rounds in which the systems take turns; ratios are requests/s at concurrency ${RATIO_AT} (ours / theirs); goals: ≥ 0.5× nginx, ≥ 2× @fastify/http-proxy`,
    plan
      ? `pinning: the system under test on CPU ${plan.system}, the load generator and the backend on CPU ${plan.rest} (taskset)`
      : "pinning: none (taskset or a second CPU is missing): every process shares every CPU",
    `backend: ${backend.describe}; every proxy keeps a keep-alive pool to it; access logs off everywhere`,
    `gateway: run as it is graded (startService: distlab run in the kit's sandbox, with its rlimits and a ${DEFAULT_LIMITS.memoryMb} MB heap); the other Node systems as plain processes with the same heap cap (--max-old-space-size=${DEFAULT_LIMITS.memoryMb}, which also sizes V8's young generation), nginx as a plain process; the backend found through discovery (Lab 08's resolver on the kit's embedded Consul-compatible registry), least-outstanding balancing, a per-client token bucket on the route (never empty), request ids, traceparent, deadline header and Prometheus metrics on`,
    nginx
      ? "nginx: 1 worker, upstream keepalive 64, proxy_http_version 1.1"
      : "nginx: not installed (Debian: apt-get install nginx), so no nginx row",
    `ceilings: "${CEILING}" (bare-proxy.ts) bounds any gateway built on node:http and undici, which this gateway used to be; "${ENGINE}" (engine-proxy.ts) bounds one on the kit's HTTP engine, which it runs on now; the gateway does ${ceilingRatio ?? "?"}× the first's requests/s and ${engineRatio ?? "?"}× the second's`,
    `CPU time per request at concurrency ${RATIO_AT} (the system's own processes; other work on the machine inflates it much less than it lowers requests/s): ${cpu.join(", ")}`,
    `load generator's ceiling: the "backend, direct" row (${Math.round(direct)} requests/s at concurrency ${RATIO_AT}); ${capped.length > 0 ? `${capped.join(", ")} came within 15 % of it, so the load generator, not the system, may have bounded them, and a ratio against them overstates ours: compare their CPU time per request instead` : "no system came within 15 % of it"}`,
  ];
  return { rows, ratios, notes };
}
