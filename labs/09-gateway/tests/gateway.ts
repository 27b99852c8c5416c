import { startBackend, stopAllBackends, type Backend } from "@distlab/kit/backends";
import { makeTempDir, startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import { send, show, type Answer, type SendOptions } from "./http.ts";

/**
 * The gateway under test as a process, in front of test backends (each its own process too):
 *
 *   test ──► gateway (the code under test) ──► backend b1, b2, … (@distlab/kit/backends)
 *
 * Its routes file is written by the test (YAML). By default its clock is manual: time stands still until
 * the test moves it with advance(), so buckets, breakers, ejections and health checks happen exactly when
 * the test says.
 */

// A routes file as tests write it (the gateway validates it; tests may write invalid ones on purpose).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RoutesDoc = Record<string, any>;

export interface GatewayOptions {
  /** "manual" (default): time moves only through advance(); "system": the real clock. */
  clock?: "manual" | "system";
  env?: Record<string, string>;
  /** Write the routes as JSON instead of YAML. */
  format?: "yaml" | "json";
}

export interface GatewayUnderTest {
  readonly url: string;
  readonly process: ServiceProcess;
  readonly routesFile: string;
  send(path: string, options?: SendOptions): Promise<Answer>;
  /** Moves the gateway's manual clock and waits until everything that fell due has run. */
  advance(ms: number): Promise<void>;
  /** Replaces the routes file (atomically, by rename, as deploy tools do). */
  writeRoutes(doc: RoutesDoc | string): Promise<void>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  config(): Promise<any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  upstreams(): Promise<any>;
  metrics(): Promise<string>;
  /** The access-log lines printed so far, parsed. */
  accessLog(): Record<string, unknown>[];
}

/** A routes file: version 1, the upstreams and routes given, access logs on. */
export function routes(upstreams: RoutesDoc, routeList: RoutesDoc[], extra: RoutesDoc = {}): RoutesDoc {
  return { version: 1, ...extra, upstreams, routes: routeList };
}

/** An upstream of static instances. */
export function staticUpstream(backends: readonly Backend[], extra: RoutesDoc = {}): RoutesDoc {
  return { instances: backends.map((backend) => backend.url), ...extra };
}

function render(doc: RoutesDoc | string, format: "yaml" | "json"): string {
  if (typeof doc === "string") return doc;
  return format === "json" ? JSON.stringify(doc, null, 2) : stringify(doc);
}

export async function startGateway(doc: RoutesDoc | string, options: GatewayOptions = {}): Promise<GatewayUnderTest> {
  const format = options.format ?? "yaml";
  // The routes file lives in the gateway's data folder: the one folder of the test's that the sandboxed
  // gateway process can see.
  const dir = await makeTempDir("distlab-gateway-");
  const routesFile = join(dir, `routes.${format}`);
  await writeFile(routesFile, render(doc, format));
  const clock = options.clock ?? "manual";
  const process = await startService({
    lab: "09-gateway",
    service: "gateway",
    dataDir: dir,
    env: { GATEWAY_ROUTES: routesFile, ...(clock === "manual" ? { GATEWAY_CLOCK: "manual" } : {}), ...options.env },
  });
  const url = process.url;
  const admin = async (method: string, path: string, json?: unknown) => {
    const answer = await send(url, path, { method, ...(json === undefined ? {} : { json }) });
    if (answer.status >= 300) throw new Error(`${method} ${path} on the gateway: ${show(answer)}`);
    return answer;
  };
  return {
    url,
    process,
    routesFile,
    send: (path, sendOptions) => send(url, path, sendOptions),
    async advance(ms) {
      await admin("POST", "/_gateway/clock", { advanceMs: ms });
    },
    async writeRoutes(next) {
      const scratch = `${routesFile}.${Date.now()}.tmp`;
      await writeFile(scratch, render(next, format));
      await rename(scratch, routesFile);
    },
    config: async () => (await admin("GET", "/_gateway/config")).json,
    upstreams: async () => (await admin("GET", "/_gateway/upstreams")).json,
    metrics: async () => (await admin("GET", "/metrics")).text,
    accessLog: () =>
      process
        .logs()
        .split("\n")
        .filter((line) => line.includes('"msg":"access"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Starts `count` backends named `${prefix}1`, `${prefix}2`, … */
export function startBackends(count: number, prefix = "b"): Promise<Backend[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startBackend({ instance: `${prefix}${i + 1}` })));
}

/** Stops every gateway and backend this test file started; call it in afterAll. */
export async function stopAll(): Promise<void> {
  await stopAllServices();
  await stopAllBackends();
}

/** Requests each backend received since its last reset, by instance name. */
export async function requestCounts(backends: readonly Backend[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const backend of backends) counts[backend.instance] = (await backend.stats()).requests;
  return counts;
}

export async function resetAll(backends: readonly Backend[]): Promise<void> {
  await Promise.all(backends.map((backend) => backend.resetStats()));
}

/**
 * Polls `check` until it returns true, for at most `timeoutMs` (real time, generous: a loaded machine is
 * slow, not wrong); fails with `what` and the last value seen.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (check(last)) return last;
    await sleep(50);
  }
  throw new Error(`${what}: still not true after ${timeoutMs} ms; last seen: ${JSON.stringify(last)?.slice(0, 500)}`);
}

/** Sends `count` requests one after another and returns the answers. */
export async function sequential(
  gateway: GatewayUnderTest,
  count: number,
  path: string,
  options?: SendOptions,
): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < count; i++) answers.push(await gateway.send(path, options));
  return answers;
}

/** The body of a backend's echo: who answered and what it received. */
export interface Echo {
  instance: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function echoOf(answer: Answer): Echo {
  if (answer.status !== 200 || typeof answer.json?.instance !== "string") {
    throw new Error(`expected a backend's echo (HTTP 200), got ${show(answer)}`);
  }
  return answer.json as Echo;
}
