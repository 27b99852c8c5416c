import { problem, type ServiceApp } from "@distlab/kit/service";
import { Gauge } from "prom-client";
import { z } from "zod";
import type { CachingResolver } from "./caching-resolver.ts";
import type { ConfigWatcher } from "./config.ts";
import type { RegistryChoice } from "./environment.ts";

/**
 * What a discoverable service shows about its discovery: GET /config (the settings in force, where they
 * come from, what was wrong with them), GET /discovery/:service for the services it resolves (the cached
 * set and whether it is current), and gauges on /metrics — so "the registry is unreachable, I am serving
 * the last known set" is visible, not guessed.
 */

const instanceSchema = z.object({
  id: z.string(),
  service: z.string(),
  address: z.string(),
  port: z.number(),
  tags: z.array(z.string()),
  meta: z.record(z.string(), z.string()),
});

export function installDiscoveryRoutes(
  app: ServiceApp,
  registry: RegistryChoice,
  config: ConfigWatcher,
  resolver: CachingResolver | undefined,
  resolves: string[],
): void {
  app.get(
    "/config",
    {
      schema: {
        response: {
          200: z.object({
            settings: z.object({ readOnly: z.boolean(), weight: z.number() }),
            raw: z.record(z.string(), z.string()),
            errors: z.array(z.string()),
            connected: z.boolean(),
            source: z.string(),
          }),
        },
      },
    },
    async () => ({
      settings: config.current(),
      raw: config.raw(),
      errors: config.errors(),
      connected: config.connected,
      source: config.where,
    }),
  );
  app.get(
    "/discovery/:service",
    {
      schema: {
        params: z.object({ service: z.string() }),
        response: {
          200: z.object({
            service: z.string(),
            registry: z.enum(["etcd", "consul"]),
            connected: z.boolean(),
            instances: z.array(instanceSchema),
          }),
        },
      },
    },
    async (request) => {
      const { service } = request.params;
      if (!resolver || !resolves.includes(service))
        throw problem(
          404,
          `this service does not resolve '${service}' (it resolves: ${resolves.join(", ") || "nothing"})`,
        );
      const view = resolver.describe(service);
      return { service, registry: registry.kind, connected: view.connected, instances: view.instances };
    },
  );
  installGauges(app, config, resolver, resolves);
}

function installGauges(
  app: ServiceApp,
  config: ConfigWatcher,
  resolver: CachingResolver | undefined,
  resolves: string[],
) {
  new Gauge({
    name: "discovery_registry_connected",
    help: "1 while the registry answers this service's watches, 0 while it serves what it last knew.",
    registers: [app.metrics],
    collect() {
      this.set(config.connected && (resolver?.connected ?? true) ? 1 : 0);
    },
  });
  new Gauge({
    name: "discovery_instances",
    help: "Healthy instances last known, per resolved service.",
    labelNames: ["target"],
    registers: [app.metrics],
    collect() {
      for (const service of resolves) this.set({ target: service }, resolver?.describe(service).instances.length ?? 0);
    },
  });
  new Gauge({
    name: "config_errors",
    help: "Settings in the registry that could not be applied.",
    registers: [app.metrics],
    collect() {
      this.set(config.errors().length);
    },
  });
}
