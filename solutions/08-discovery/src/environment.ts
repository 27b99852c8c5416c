/**
 * Where the registry is and how an instance registers, from the environment (the harness, `distlab run`
 * and the demo set these). A setting that is wrong stops the service at start with a message naming it.
 *
 *   REGISTRY               etcd | consul (required)
 *   ETCD_ENDPOINTS         http://127.0.0.1:2379[,…]            (REGISTRY=etcd)
 *   ETCD_PREFIX            key prefix of everything this lab stores, default /distlab/
 *   CONSUL_HTTP_ADDR       127.0.0.1:8500 or http://…            (REGISTRY=consul)
 *   DISCOVERY_WAIT         longest blocking query, default 30s   (REGISTRY=consul)
 *   SERVICE_ADDRESS        the address others reach this instance at, default 127.0.0.1
 *   INSTANCE_ID            default <service>-<host>-<port>
 *   SERVICE_TAGS           comma-separated tags
 *   REGISTRATION_TTL_S     etcd lease TTL / Consul TTL check, in seconds, default 10
 *   HEALTH_CHECK_INTERVAL  Consul HTTP check interval, default 5s
 *   DEREGISTER_TIMEOUT_MS  the longest shutdown waits for the registry, default 2000
 */

export type RegistryChoice =
  | { kind: "etcd"; endpoints: string[]; prefix: string }
  | { kind: "consul"; url: string; host: string; port: number; wait: string };

export interface RegistrationSettings {
  address: string;
  instanceId: string | undefined;
  tags: string[];
  ttlSeconds: number;
  checkInterval: string;
  deregisterTimeoutMs: number;
}

export class SettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const DURATION = /^\d+(ms|s|m)$/;

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new SettingError(`${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
  return value;
}

function duration(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!DURATION.test(raw)) throw new SettingError(`${name} must be a duration such as 500ms, 5s or 1m, got '${raw}'`);
  return raw;
}

export function registryFromEnv(env: NodeJS.ProcessEnv = process.env): RegistryChoice {
  const kind = env.REGISTRY;
  if (kind === "etcd") {
    const endpoints = (env.ETCD_ENDPOINTS ?? "")
      .split(",")
      .map((endpoint) => endpoint.trim())
      .filter(Boolean);
    if (endpoints.length === 0)
      throw new SettingError("ETCD_ENDPOINTS must list etcd's client URLs, e.g. ETCD_ENDPOINTS=http://127.0.0.1:2379");
    const prefix = env.ETCD_PREFIX || "/distlab/";
    if (!prefix.endsWith("/")) throw new SettingError(`ETCD_PREFIX must end with '/', got '${prefix}'`);
    return { kind, endpoints, prefix };
  }
  if (kind === "consul") {
    const raw = env.CONSUL_HTTP_ADDR;
    if (!raw)
      throw new SettingError("CONSUL_HTTP_ADDR must name the Consul agent, e.g. CONSUL_HTTP_ADDR=127.0.0.1:8500");
    let url: URL;
    try {
      url = new URL(/^https?:\/\//.test(raw) ? raw : `http://${raw}`);
    } catch {
      throw new SettingError(`CONSUL_HTTP_ADDR must be host:port or a URL, got '${raw}'`);
    }
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    return { kind, url: url.origin, host: url.hostname, port, wait: duration(env, "DISCOVERY_WAIT", "30s") };
  }
  throw new SettingError(`REGISTRY must be etcd or consul, got '${kind ?? ""}'`);
}

export function registrationFromEnv(env: NodeJS.ProcessEnv = process.env): RegistrationSettings {
  return {
    address: env.SERVICE_ADDRESS || "127.0.0.1",
    instanceId: env.INSTANCE_ID || undefined,
    tags: (env.SERVICE_TAGS ?? "")
      .split(",")
      .map((tag) => tag.trim())
      .filter(Boolean),
    ttlSeconds: wholeNumber(env, "REGISTRATION_TTL_S", 10, 1, 3600),
    checkInterval: duration(env, "HEALTH_CHECK_INTERVAL", "5s"),
    deregisterTimeoutMs: wholeNumber(env, "DEREGISTER_TIMEOUT_MS", 2000, 1, 60_000),
  };
}

/** Milliseconds of a duration this file accepted. */
export function durationMs(text: string): number {
  const value = Number.parseInt(text, 10);
  return text.endsWith("ms") ? value : text.endsWith("m") ? value * 60_000 : value * 1000;
}
