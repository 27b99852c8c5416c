import { startFaultProxy, type FaultProxy } from "@distlab/kit/faults";
import { makeTempDir, startService, type ServiceProcess } from "@distlab/kit/harness";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";

/**
 * The system the demo runs: Lab 02's shop (KV, Payment, two PetStores) behind the gateway, with a fault
 * proxy between the gateway and Payment so the demo can make Payment fail on cue.
 *
 *   client ──► gateway ──► /api/petstore/…, /api/partner/… ──► petstore-1, petstore-2 ──► payment ──► kv
 *                      └─► /api/payment/…  ──► fault proxy ──► payment
 */

export const ADMIN_TOKEN = "demo-admin-token";
export const BREAKER_OPEN_MS = 3_000;
export const RATE = { capacity: 20, refillPerSecond: 10 };

export interface DemoShop {
  kv: ServiceProcess;
  payment: ServiceProcess;
  petstores: ServiceProcess[];
  paymentFaults: FaultProxy;
  gateway: ServiceProcess;
}

function routesFor(petstores: ServiceProcess[], payment: string) {
  return {
    version: 1,
    accessLog: false,
    upstreams: {
      petstore: {
        instances: petstores.map((petstore) => petstore.url),
        balancer: "least-outstanding",
        healthCheck: { path: "/health", intervalMs: 1_000, timeoutMs: 500, unhealthyThreshold: 1 },
        outlierDetection: { consecutiveFailures: 2, baseEjectionMs: 30_000 },
        retryBudget: { ratio: 0.5, burst: 100 },
      },
      payment: {
        instances: [payment],
        circuitBreaker: { failureThreshold: 3, openMs: BREAKER_OPEN_MS, halfOpenRequests: 1 },
      },
    },
    routes: [
      {
        id: "petstore",
        match: { prefix: "/api/petstore" },
        rewrite: { prefix: "/" },
        upstream: "petstore",
        timeoutMs: 10_000,
      },
      {
        // The same service for partners, each limited by its API key.
        id: "partner",
        match: { prefix: "/api/partner" },
        rewrite: { prefix: "/" },
        upstream: "petstore",
        rateLimit: { perClient: RATE, clientKey: { header: "x-api-key" } },
      },
      {
        id: "payment",
        match: { prefix: "/api/payment" },
        rewrite: { prefix: "/" },
        upstream: "payment",
        retry: { attempts: 1 },
      },
    ],
  };
}

export async function startDemoShop(target: string): Promise<DemoShop> {
  const kv = await startService({ lab: "01-kv", service: "kv" });
  const common = { ADMIN_TOKEN, KV_URL: kv.url };
  const payment = await startService({ lab: "02-rpc", service: "payment", env: common });
  const petstores = await Promise.all(
    [1, 2].map(() =>
      startService({ lab: "02-rpc", service: "petstore", env: { ...common, PAYMENT_URL: payment.url } }),
    ),
  );
  const paymentFaults = await startFaultProxy({ upstream: payment.url, seed: 9 });
  const dir = await makeTempDir("distlab-demo-gateway-");
  const routesFile = join(dir, "routes.yaml");
  await writeFile(routesFile, stringify(routesFor(petstores, paymentFaults.url)));
  const gateway = await startService({
    lab: "09-gateway",
    service: "gateway",
    target,
    dataDir: dir,
    env: { GATEWAY_ROUTES: routesFile, LOG_LEVEL: "warn" },
  });
  return { kv, payment, petstores, paymentFaults, gateway };
}

/** A closed loop of GETs through the gateway until stop(): how many answered 200, how many did not. */
export function backgroundLoad(url: string, workers: number) {
  let running = true;
  const tally = { ok: 0, failed: 0, started: Date.now() };
  const loop = async () => {
    while (running) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        await response.arrayBuffer();
        if (response.status === 200) tally.ok++;
        else tally.failed++;
      } catch {
        tally.failed++;
      }
    }
  };
  const done = Promise.all(Array.from({ length: workers }, loop));
  return {
    tally,
    async stop() {
      running = false;
      await done;
      return { ...tally, seconds: (Date.now() - tally.started) / 1000 };
    },
  };
}

/** The gateway's metrics lines that matter to the audience. */
export async function metricsExcerpt(gateway: string): Promise<string[]> {
  const text = await (await fetch(`${gateway}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) =>
      /^gateway_(requests_total|retries_total|circuit_breaker_state|upstream_instances|rate_limited_total)\{/.test(
        line,
      ),
    )
    .filter((line) => !/ 0$/.test(line) || line.startsWith("gateway_upstream_instances"));
}
