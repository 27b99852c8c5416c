import type { Logger } from "pino";
import type { ServiceSource } from "../caching-resolver.ts";
import type { ConfigSource } from "../config.ts";
import type { RegistryChoice } from "../environment.ts";
import { instanceFromHealthEntry, type HealthEntry } from "../instance.ts";
import { consulConfigPrefix } from "../keys.ts";
import { blockingLoop } from "./blocking-query.ts";
import { ConsulHttp } from "./http.ts";

type ConsulChoice = Extract<RegistryChoice, { kind: "consul" }>;

/** The resolver's source on Consul: a blocking loop per service on the passing instances. */
export function consulServiceSource(registry: ConsulChoice, logger?: Logger): ServiceSource {
  const http = new ConsulHttp(registry.url);
  return {
    watch(service, sink) {
      const loop = blockingLoop(http, `health/service/${encodeURIComponent(service)}?passing`, {
        onResult: (body) => sink.set(((body as HealthEntry[] | undefined) ?? []).map(instanceFromHealthEntry)),
        onConnected: (up) => sink.connected(up),
        wait: registry.wait,
        logger,
      });
      return { stop: () => loop.close() };
    },
    close: () => http.close(),
  };
}

interface KvEntry {
  Key: string;
  Value: string | null;
}

/** The settings of one service on Consul: the KV keys under its config prefix, named by what follows it. */
export function consulConfigSource(registry: ConsulChoice, service: string, logger?: Logger): ConfigSource {
  const http = new ConsulHttp(registry.url);
  const prefix = consulConfigPrefix(service);
  return {
    watch(sink) {
      const loop = blockingLoop(http, `kv/${prefix}?recurse`, {
        onResult: (body) =>
          sink.set(
            new Map(
              ((body as KvEntry[] | undefined) ?? []).map((entry) => [
                entry.Key.slice(prefix.length),
                entry.Value === null ? "" : Buffer.from(entry.Value, "base64").toString("utf8"),
              ]),
            ),
          ),
        onConnected: (up) => sink.connected(up),
        wait: registry.wait,
        logger,
      });
      return {
        stop: async () => {
          await loop.close();
          await http.close();
        },
      };
    },
    where: `consul kv ${prefix}`,
    keyPrefix: prefix,
  };
}
