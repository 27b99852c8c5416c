import type { Logger } from "pino";
import { ConsulRegistration } from "./consul/registration.ts";
import { consulClient } from "./consul/http.ts";
import { connectEtcd } from "./etcd/connect.ts";
import { EtcdRegistration } from "./etcd/registration.ts";
import type { RegistrationSettings, RegistryChoice } from "./environment.ts";
import { serviceKey } from "./keys.ts";
import type { ServiceInstance } from "./resolver.ts";

/**
 * An instance's presence in the registry, whichever registry it is: registered (and kept alive) on start,
 * updated when its tags or meta change, removed on a clean stop. If the process dies instead, the registry
 * removes it by itself — the lease expires (etcd) or the checks go critical (Consul).
 */
export interface Registration {
  /** One attempt to register; rejects when the registry cannot be reached. */
  register(): Promise<void>;
  /** Registers, retrying with backoff until it worked or deregister() was called. */
  keepTrying(): Promise<void>;
  /** Publishes new tags or meta for the same instance. */
  update(instance: ServiceInstance): Promise<void>;
  /** Removes the instance now and stops keeping it alive. */
  deregister(): Promise<void>;
  readonly registered: boolean;
  /** The instance as last registered (or being registered). */
  readonly instance: ServiceInstance;
  /** Stops keeping the instance alive without removing it (it then expires by itself); frees the client. */
  close(): Promise<void>;
}

export interface RegistrationOptions {
  registry: RegistryChoice;
  instance: ServiceInstance;
  settings: Pick<RegistrationSettings, "ttlSeconds" | "checkInterval">;
  /** What Consul's HTTP check probes. */
  healthUrl: string;
  logger?: Logger;
}

export function createRegistration(options: RegistrationOptions): Registration {
  const { registry, instance, settings, logger } = options;
  if (registry.kind === "etcd") {
    const client = connectEtcd(registry.endpoints);
    const key = serviceKey(registry.prefix, instance.service, instance.id);
    const registration = new EtcdRegistration(client, key, instance, settings.ttlSeconds, logger);
    return withClientClosed(registration, async () => client.close());
  }
  const registration = new ConsulRegistration(
    consulClient(registry),
    instance,
    { ttlSeconds: settings.ttlSeconds, checkInterval: settings.checkInterval, healthUrl: options.healthUrl },
    logger,
  );
  return registration;
}

/** The registration, whose close() also closes the client it owns. */
function withClientClosed(registration: Registration, closeClient: () => Promise<void>): Registration {
  const close = registration.close.bind(registration);
  registration.close = async () => {
    await close();
    await closeClient();
  };
  return registration;
}
