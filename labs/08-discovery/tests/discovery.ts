import { restartService, startService, type ServiceProcess } from "@distlab/kit/harness";
import { ADMIN_TOKEN } from "@distlab/kit/shop-testing";
import { call } from "@distlab/kit/test-http";
import type { SeenInstance, TestRegistry } from "./registries.ts";

/**
 * Lab 08's services as processes, pointed at a test registry, with short timings so the tests stay short:
 * a 2 s lease/TTL, a 1 s HTTP check, 5 s blocking queries, a 1 s bound on deregistration.
 */

export const TTL_S = 2;
export const FAST = {
  REGISTRATION_TTL_S: String(TTL_S),
  HEALTH_CHECK_INTERVAL: "1s",
  DISCOVERY_WAIT: "5s",
  DEREGISTER_TIMEOUT_MS: "1000",
  ADMIN_TOKEN,
  LOG_LEVEL: "info",
};

export interface Discoverable extends ServiceProcess {
  /** The instance id it registers under (its default: <service>-<host>-<port>). */
  readonly instanceId: string;
}

export interface StartOptions {
  /** Reach the registry through this address (a proxy) instead of directly. */
  via?: { host: string; port: number };
  env?: Record<string, string>;
}

let started = 0;

export async function startDiscoverable(
  service: "kv" | "payment" | "petstore",
  registry: TestRegistry,
  options: StartOptions = {},
): Promise<Discoverable> {
  started += 1;
  const instanceId = `${service}-test-${process.pid}-${started}`;
  const process_ = await startService({
    service,
    env: { ...FAST, ...registry.env(options.via), INSTANCE_ID: instanceId, ...options.env },
  });
  return Object.assign(process_, { instanceId });
}

export async function restartDiscoverable(previous: Discoverable): Promise<Discoverable> {
  return Object.assign(await restartService(previous), { instanceId: previous.instanceId });
}

/** The last lines a service printed, for failure messages (a TODO(lab08 §N) shows up here). */
export function tail(service: ServiceProcess, lines = 12): string {
  return service.logs().trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Polls `probe` until `done` holds for its value; fails after `timeoutMs` with what it waited for, the last
 * value seen and the logs of the services named. A bound, never a race: a correct solution is there in a
 * fraction of it.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  options: { timeoutMs?: number; logsOf?: ServiceProcess[] } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seen = lastError
    ? `the last probe failed: ${(lastError as Error).message}`
    : `last seen: ${JSON.stringify(last)}`;
  const logs = (options.logsOf ?? []).map(
    (service) => `\n--- ${service.name} (pid ${service.pid}) ---\n${tail(service)}`,
  );
  throw new Error(`waited ${timeoutMs} ms for ${what}, in vain; ${seen}${logs.join("")}`);
}

export const ids = (instances: { id: string }[]) => instances.map((instance) => instance.id).sort();

/** The registry lists exactly these instance ids for `service`. */
export function registryLists(
  registry: TestRegistry,
  service: string,
  expected: string[],
  logsOf: ServiceProcess[] = [],
  timeoutMs = 10_000,
) {
  return eventually(
    `${registry.kind} to list ${service} instances [${expected.join(", ")}]`,
    () => registry.instances(service),
    (instances: SeenInstance[]) => JSON.stringify(ids(instances)) === JSON.stringify([...expected].sort()),
    { logsOf, timeoutMs },
  );
}

export interface DiscoveryView {
  service: string;
  registry: string;
  connected: boolean;
  instances: SeenInstance[];
}

/** What PetStore's resolver holds for Payment (GET /discovery/payment). */
export async function petstoreView(petstore: ServiceProcess): Promise<DiscoveryView> {
  const reply = await call(petstore.url, "GET", "/discovery/payment");
  if (reply.status !== 200) throw new Error(`GET /discovery/payment answered ${reply.status}: ${reply.text}`);
  return reply.body as DiscoveryView;
}

/** PetStore's resolver holds exactly these Payment instance ids (and, if asked, says it is connected). */
export function petstoreSees(
  petstore: ServiceProcess,
  expected: string[],
  connected?: boolean,
  logsOf: ServiceProcess[] = [],
  timeoutMs = 10_000,
) {
  return eventually(
    `PetStore's resolver to hold payment instances [${expected.join(", ")}]${connected === undefined ? "" : ` with connected=${connected}`}`,
    () => petstoreView(petstore),
    (view) =>
      JSON.stringify(ids(view.instances)) === JSON.stringify([...expected].sort()) &&
      (connected === undefined || view.connected === connected),
    { logsOf: [petstore, ...logsOf], timeoutMs },
  );
}
