import type { Logger } from "pino";
import { CachingResolver } from "./caching-resolver.ts";
import { consulServiceSource } from "./consul/sources.ts";
import { etcdServiceSource } from "./etcd/sources.ts";
import type { RegistryChoice } from "./environment.ts";

/**
 * The resolver's contract, which Lab 09's gateway builds on: where are the healthy instances of a service,
 * right now? Both registries implement it, and both answer from a cache kept current by a watch (etcd) or
 * blocking queries (Consul) — never by asking the registry on every call.
 */

export interface ServiceInstance {
  /** Unique among all instances of all services, e.g. "payment-vm-41234". */
  id: string;
  service: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
}

export interface Resolver {
  /** The last known healthy set (cached, maybe stale); empty for a service not watched yet, which it starts watching. */
  instances(service: string): ServiceInstance[];
  /** Calls `onChange` now with the current set, then on every change; returns the unsubscribe function. */
  subscribe(service: string, onChange: (instances: ServiceInstance[]) => void): () => void;
  /** False while the registry is unreachable (the cached sets are then what was last known). */
  readonly connected: boolean;
  close(): Promise<void>;
}

export interface ResolverOptions {
  registry: RegistryChoice;
  /** Services to watch from the start; createResolver waits (up to `startTimeoutMs`) for their first sets. */
  services?: string[];
  startTimeoutMs?: number;
  logger?: Logger;
}

/** A resolver on the chosen registry (a CachingResolver: it also describes each watched service). */
export async function createResolver(options: ResolverOptions): Promise<CachingResolver> {
  const source =
    options.registry.kind === "etcd"
      ? etcdServiceSource(options.registry, options.logger)
      : consulServiceSource(options.registry, options.logger);
  const resolver = new CachingResolver(source);
  await resolver.start(options.services ?? [], options.startTimeoutMs ?? 5_000);
  return resolver;
}

/** http://address:port of an instance. */
export function instanceUrl(instance: ServiceInstance): string {
  const host = instance.address.includes(":") ? `[${instance.address}]` : instance.address;
  return `http://${host}:${instance.port}`;
}
