import type { RoutesFile } from "./schema.ts";
import type { RoutesSource } from "./source.ts";
import type { InstanceSource } from "../upstreams/discovery.ts";

/**
 * The gateway and the registry (Lab 08): the resolver that finds the instances of `discovery` upstreams,
 * and — with GATEWAY_ROUTES=registry — the routes file itself, kept in the registry's KV as the setting
 * `routes` of the service `gateway` (etcd: <ETCD_PREFIX>config/gateway/routes; Consul:
 * distlab/config/gateway/routes), watched like any other setting of Lab 08. Lab 08's code is loaded only
 * when REGISTRY is set, so a gateway without a registry does not pay for the registry clients.
 */

/** The resolver for REGISTRY (Lab 08's settings), watching `services` from the start; undefined without REGISTRY. */
export async function resolverFromEnv(services: string[], env = process.env): Promise<InstanceSource | undefined> {
  if (!env.REGISTRY) return undefined;
  const { registryFromEnv } = await import("@distlab/lab/08-discovery/environment.ts");
  const { createResolver } = await import("@distlab/lab/08-discovery/resolver.ts");
  return createResolver({ registry: registryFromEnv(env), services, startTimeoutMs: 5_000 });
}

/** The services the routes file finds through discovery (to watch them before the first request). */
export function discoveredServices(file: RoutesFile): string[] {
  return Object.values(file.upstreams).flatMap((upstream) => (upstream.discovery ? [upstream.discovery.service] : []));
}

const ROUTES_SETTING = "routes";
const FIRST_READ_MS = 5_000;

/** The routes kept in the registry's KV; the source's name says where, for error messages. */
export async function registryRoutesSource(env = process.env): Promise<RoutesSource> {
  if (!env.REGISTRY)
    throw new Error("GATEWAY_ROUTES=registry needs a registry: set REGISTRY (etcd or consul) and its address");
  const { registryFromEnv } = await import("@distlab/lab/08-discovery/environment.ts");
  const registry = registryFromEnv(env);
  const config =
    registry.kind === "etcd"
      ? (await import("@distlab/lab/08-discovery/etcd/sources.ts")).etcdConfigSource(registry, "gateway")
      : (await import("@distlab/lab/08-discovery/consul/sources.ts")).consulConfigSource(registry, "gateway");
  let latest: string | undefined;
  let firstRead: () => void = () => {};
  const read = new Promise<void>((resolve) => (firstRead = resolve));
  const listeners = new Set<() => void>();
  config.watch({
    set(values) {
      const text = values.get(ROUTES_SETTING);
      firstRead();
      if (text === latest) return;
      latest = text;
      for (const listener of listeners) listener();
    },
    connected() {},
  });
  const name = `${config.where}${ROUTES_SETTING}`;
  return {
    name,
    async read() {
      await Promise.race([read, new Promise((resolve) => setTimeout(resolve, FIRST_READ_MS).unref())]);
      if (latest === undefined) throw new Error(`no routes in the registry at ${name}`);
      return latest;
    },
    watch(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
  };
}
