import type { Logger } from "pino";
import { consulConfigSource } from "./consul/sources.ts";
import type { RegistryChoice } from "./environment.ts";
import { etcdConfigSource } from "./etcd/sources.ts";
import { DEFAULT_SETTINGS, parseSettings, type ServiceSettings } from "./settings.ts";

/**
 * A service's settings live in the registry's KV, under its config prefix: read once before the service
 * starts serving, watched afterwards, and applied while it runs — no restart, no redeploy. A value that
 * does not parse is reported (GET /config, the logs) and the last good value stays in force.
 */

export interface ConfigSink {
  set(values: Map<string, string>): void;
  connected(up: boolean): void;
}

export interface ConfigSource {
  watch(sink: ConfigSink): { stop(): Promise<void> };
  /** Where the settings are read from, for messages: "etcd /distlab/config/payment/". */
  readonly where: string;
  /** The key prefix of the settings, as the registry names it: "/distlab/config/payment/". */
  readonly keyPrefix: string;
}

export interface ConfigWatcher {
  current(): ServiceSettings;
  /** What was wrong with the raw values last read, one message per key. */
  errors(): string[];
  /** The raw values last read, by setting name. */
  raw(): Record<string, string>;
  readonly connected: boolean;
  readonly where: string;
  readonly keyPrefix: string;
  /** Called on every change of the settings in force (not now). */
  subscribe(onChange: (settings: ServiceSettings) => void): () => void;
  close(): Promise<void>;
}

export interface ConfigOptions {
  registry: RegistryChoice;
  service: string;
  /** How long to wait for the first read before starting on defaults (and saying so). */
  startTimeoutMs?: number;
  logger?: Logger;
}

export async function createConfigWatcher(options: ConfigOptions): Promise<ConfigWatcher> {
  const source =
    options.registry.kind === "etcd"
      ? etcdConfigSource(options.registry, options.service, options.logger)
      : consulConfigSource(options.registry, options.service, options.logger);
  let settings = DEFAULT_SETTINGS;
  let errors: string[] = [];
  let raw: Record<string, string> = {};
  let up = false;
  const listeners = new Set<(settings: ServiceSettings) => void>();
  let firstRead: () => void = () => {};
  const read = new Promise<void>((resolve) => (firstRead = resolve));
  const handle = source.watch({
    set(values) {
      raw = Object.fromEntries(values);
      let parsed: ReturnType<typeof parseSettings>;
      try {
        parsed = parseSettings(values, settings);
      } catch (error) {
        parsed = { settings, errors: [(error as Error).message] };
      }
      errors = parsed.errors;
      for (const error of errors) options.logger?.warn({ where: source.where }, `config: ${error}`);
      const changed = JSON.stringify(parsed.settings) !== JSON.stringify(settings);
      settings = parsed.settings;
      firstRead();
      if (changed) {
        options.logger?.info({ settings }, "config applied");
        for (const listener of listeners) listener(settings);
      }
    },
    connected: (value) => void (up = value),
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>(
    (resolve) => (timer = setTimeout(() => resolve(true), options.startTimeoutMs ?? 5_000)),
  );
  if (await Promise.race([read.then(() => false), timedOut]))
    options.logger?.warn({ where: source.where }, "config: no answer from the registry yet; starting on defaults");
  clearTimeout(timer);
  return {
    current: () => settings,
    errors: () => [...errors],
    raw: () => ({ ...raw }),
    get connected() {
      return up;
    },
    where: source.where,
    keyPrefix: source.keyPrefix,
    subscribe(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    close: () => handle.stop(),
  };
}
