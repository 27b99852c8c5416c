// The machinery of Lab 08's demo: a registry (etcd or Consul, whichever this machine has), the shop's
// services registered in it, and small probes of what the registry and PetStore's resolver hold.
import { startService, type ServiceProcess } from "@distlab/kit/harness";
import { findConsul, findEtcd } from "@distlab/kit/infra";
import { ADMIN_TOKEN } from "@distlab/kit/shop-testing";

export interface DemoRegistry {
  kind: "etcd" | "consul";
  source: string;
  env: Record<string, string>;
  /** Instance ids of a service, as the registry lists them (Consul: passing only). */
  ids(service: string): Promise<string[]>;
  setConfig(service: string, name: string, value: string): Promise<void>;
  /** Commands for the audience to look at it themselves. */
  howToLook: string[];
  stop(): Promise<void>;
}

/** etcd as the machine has it (ETCD_ENDPOINTS, a local etcd, a container), or the reason there is none. */
export async function demoEtcd(): Promise<DemoRegistry | string> {
  const found = await findEtcd();
  if (!found.server) return found.reason;
  const server = found.server;
  const endpoint = server.endpoints[0]!;
  const { Etcd3 } = await import("etcd3");
  const client = new Etcd3({ hosts: server.endpoints });
  return {
    kind: "etcd",
    source: server.source,
    env: { REGISTRY: "etcd", ETCD_ENDPOINTS: server.endpoints.join(",") },
    async ids(service) {
      const values = await client.getAll().prefix(`/distlab/services/${service}/`).strings();
      return Object.values(values)
        .map((text) => (JSON.parse(text) as { id: string }).id)
        .sort();
    },
    setConfig: async (service, name, value) =>
      void (await client.put(`/distlab/config/${service}/${name}`).value(value)),
    howToLook: [`etcdctl --endpoints ${endpoint} get --prefix /distlab/ --print-value-only`],
    async stop() {
      client.close();
      await server.stop();
    },
  };
}

/** A real Consul when there is one, else the kit's embedded Consul-compatible registry. */
export async function demoConsul(): Promise<DemoRegistry> {
  const server = await findConsul();
  const api = (path: string, init?: RequestInit) => fetch(`${server.url}/v1/${path}`, init);
  return {
    kind: "consul",
    source: server.fallbackReason ? `${server.source} (${server.fallbackReason})` : server.source,
    env: { REGISTRY: "consul", CONSUL_HTTP_ADDR: `${server.host}:${server.port}` },
    async ids(service) {
      const entries = (await (await api(`health/service/${service}?passing`)).json()) as { Service: { ID: string } }[];
      return entries.map((entry) => entry.Service.ID).sort();
    },
    setConfig: async (service, name, value) =>
      void (await api(`kv/distlab/config/${service}/${name}`, { method: "PUT", body: value })),
    howToLook: [
      `curl -s '${server.url}/v1/health/service/payment?passing' | head -c 400`,
      `curl -s '${server.url}/v1/agent/checks'`,
    ],
    stop: () => server.stop(),
  };
}

export interface DemoShop {
  kv: ServiceProcess;
  payments: ServiceProcess[];
  petstore: ServiceProcess;
}

const SHORT = { REGISTRATION_TTL_S: "2", HEALTH_CHECK_INTERVAL: "1s", DISCOVERY_WAIT: "10s", ADMIN_TOKEN };

export function startPayment(registry: DemoRegistry, target: string, kvUrl: string): Promise<ServiceProcess> {
  return startService({
    lab: "08-discovery",
    service: "payment",
    target,
    env: { ...SHORT, ...registry.env, KV_URL: kvUrl },
  });
}

/** The shop on one registry: the KV, two Payment instances and PetStore, every one registered. */
export async function startShop(registry: DemoRegistry, target: string): Promise<DemoShop> {
  const env = { ...SHORT, ...registry.env };
  const kv = await startService({ lab: "08-discovery", service: "kv", target, env });
  const payments = await Promise.all([startPayment(registry, target, kv.url), startPayment(registry, target, kv.url)]);
  const petstore = await startService({
    lab: "08-discovery",
    service: "petstore",
    target,
    env: { ...env, KV_URL: kv.url },
  });
  return { kv, payments, petstore };
}

/** The Payment instance ids PetStore's resolver holds, and whether it is connected. */
export async function petstoreView(petstore: ServiceProcess): Promise<{ ids: string[]; connected: boolean }> {
  const view = (await (await fetch(`${petstore.url}/discovery/payment`)).json()) as {
    connected: boolean;
    instances: { id: string }[];
  };
  return { ids: view.instances.map((instance) => instance.id).sort(), connected: view.connected };
}

/** How long until `probe` holds (polled every 20 ms), or throws after `timeoutMs`. */
export async function timeUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await probe().catch(() => false)) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

/** The instance id a service registered under: its default, <service>-<host>-<port>. */
export function idOf(registryIds: string[], service: ServiceProcess): string {
  return registryIds.find((id) => id.endsWith(`-${service.port}`)) ?? `${service.name}-?-${service.port}`;
}
