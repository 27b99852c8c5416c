import { runService, type ServiceApp, type ServiceConfig } from "@distlab/kit/service";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { CachingResolver } from "./caching-resolver.ts";
import { createConfigWatcher, type ConfigWatcher } from "./config.ts";
import { registrationFromEnv, registryFromEnv, type RegistrationSettings } from "./environment.ts";
import { createRegistration, type Registration } from "./registration.ts";
import { createResolver, type ServiceInstance } from "./resolver.ts";
import { installDiscoveryRoutes } from "./routes.ts";
import { installReadOnlyGate } from "./settings.ts";

/**
 * A service of the shop made discoverable. Its life, in order:
 *   1. read its settings from the registry (and keep watching them);
 *   2. build its app (an earlier lab's service) and start resolving the services it calls;
 *   3. listen; then register — only a listening instance may be found;
 *   4. on SIGTERM: stop accepting, deregister (step 5), let in-flight requests finish, exit.
 * If the process dies instead, the registry removes it on its own (lease TTL, critical checks).
 */

export interface DiscoverableContext {
  config: ServiceConfig;
  logger: Logger;
  settings: ConfigWatcher;
  /** Present when the service resolves others (`resolves`). */
  resolver: CachingResolver | undefined;
}

export interface DiscoverableService {
  name: string;
  /** The services this one calls and finds through the registry. */
  resolves?: string[];
  build(context: DiscoverableContext): Promise<ServiceApp>;
}

export async function runDiscoverable(service: DiscoverableService): Promise<void> {
  const registry = registryFromEnv();
  const settings = registrationFromEnv();
  const resolves = service.resolves ?? [];
  // Filled in as the service starts; the shutdown hooks read them whenever SIGTERM comes.
  const live: { registration?: Registration; config?: ConfigWatcher; logger?: Logger } = {};
  const app = await runService({
    name: service.name,
    async build(context) {
      const logger = (live.logger = context.logger);
      const watcher = (live.config = await createConfigWatcher({ registry, service: service.name, logger }));
      const resolver = resolves.length ? await createResolver({ registry, services: resolves, logger }) : undefined;
      const app = await service.build({ ...context, settings: watcher, resolver });
      installReadOnlyGate(app, () => watcher.current(), watcher.keyPrefix);
      installDiscoveryRoutes(app, registry, watcher, resolver, resolves);
      // preClose runs once the server refuses new requests and before it waits for the ones in flight.
      app.addHook("preClose", () => leaveRegistry(live.registration, settings.deregisterTimeoutMs, logger));
      app.addHook("onClose", async () => {
        await Promise.all([live.registration?.close(), resolver?.close(), watcher.close()]);
      });
      // One publication at a time, in order: two registrations racing could leave the older weight in force.
      let publishing = Promise.resolve();
      watcher.subscribe((current) => {
        publishing = publishing.then(() =>
          live.registration ? publishWeight(live.registration, current.weight, logger) : undefined,
        );
      });
      return app;
    },
  });
  const instance = instanceOf(service.name, app, settings, live.config!.current().weight);
  const registration = (live.registration = createRegistration({
    registry,
    instance,
    settings,
    healthUrl: `http://${instance.address}:${instance.port}/health`,
    ...(live.logger ? { logger: live.logger } : {}),
  }));
  await registration.keepTrying();
  if (registration.registered) live.logger?.info({ id: instance.id, registry: registry.kind }, "registered");
}

function instanceOf(name: string, app: ServiceApp, settings: RegistrationSettings, weight: number): ServiceInstance {
  const port = (app.server.address() as AddressInfo).port;
  return {
    id: settings.instanceId ?? `${name}-${hostname()}-${port}`,
    service: name,
    address: settings.address,
    port,
    tags: settings.tags,
    meta: { weight: String(weight) },
  };
}

/** A new weight from the settings: the same instance, published again with it in its meta. */
async function publishWeight(registration: Registration, weight: number, logger: Logger): Promise<void> {
  const current = registration.instance;
  if (current.meta.weight === String(weight)) return;
  try {
    await registration.update({ ...current, meta: { ...current.meta, weight: String(weight) } });
  } catch (error) {
    logger.warn({ err: (error as Error).message }, "could not publish the new weight");
  }
}

/**
 * Step 5: leave the registry on a clean stop, first thing — before the in-flight requests drain, so no
 * resolver keeps sending new work to a process that is going away — and never wait on the registry longer
 * than `timeoutMs`: a registry that is down must not keep a stopping process alive.
 */
export async function leaveRegistry(
  registration: Registration | undefined,
  timeoutMs: number,
  logger: Logger,
): Promise<void> {
  // @solution §5 "deregister, but give up after timeoutMs; a failure is logged, never thrown"
  if (!registration) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the registry within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([registration.deregister(), timeout]);
    logger.info("deregistered");
  } catch (error) {
    logger.warn({ err: (error as Error).message }, "could not deregister: the registry will expire this instance");
  } finally {
    clearTimeout(timer);
  }
  // @end
}
