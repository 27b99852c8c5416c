import type { Logger } from "pino";
import type { ServiceSource } from "../caching-resolver.ts";
import type { ConfigSource } from "../config.ts";
import type { RegistryChoice } from "../environment.ts";
import { decodeInstance } from "../instance.ts";
import { etcdConfigPrefix, serviceKeyPrefix } from "../keys.ts";
import type { ServiceInstance } from "../resolver.ts";
import { connectEtcd } from "./connect.ts";
import { watchPrefix } from "./watch-prefix.ts";

type EtcdChoice = Extract<RegistryChoice, { kind: "etcd" }>;

/** The resolver's source on etcd: one prefix watch per service, each key decoded as an instance. */
export function etcdServiceSource(registry: EtcdChoice, logger?: Logger): ServiceSource {
  const client = connectEtcd(registry.endpoints);
  return {
    watch(service, sink) {
      const watch = watchPrefix(client, serviceKeyPrefix(registry.prefix, service), {
        onChange: (entries) => sink.set(decodeAll(entries, logger)),
        onConnected: (up) => sink.connected(up),
        logger,
      });
      return { stop: () => watch.close() };
    },
    close: async () => client.close(),
  };
}

function decodeAll(entries: Map<string, string>, logger?: Logger): ServiceInstance[] {
  const instances: ServiceInstance[] = [];
  for (const [key, value] of entries) {
    const decoded = decodeInstance(value, key);
    if (decoded instanceof Error) logger?.warn({ err: decoded.message }, "skipping a registry entry");
    else instances.push(decoded);
  }
  return instances;
}

/** The settings of one service on etcd: the keys under its config prefix, named by what follows it. */
export function etcdConfigSource(registry: EtcdChoice, service: string, logger?: Logger): ConfigSource {
  const client = connectEtcd(registry.endpoints);
  const prefix = etcdConfigPrefix(registry.prefix, service);
  return {
    watch(sink) {
      const watch = watchPrefix(client, prefix, {
        onChange: (entries) => sink.set(new Map([...entries].map(([key, value]) => [key.slice(prefix.length), value]))),
        onConnected: (up) => sink.connected(up),
        logger,
      });
      return {
        stop: async () => {
          await watch.close();
          client.close();
        },
      };
    },
    where: `etcd ${prefix}`,
    keyPrefix: prefix,
  };
}
