/**
 * @distlab/kit/registry — an embedded Consul-compatible dev registry (agent services with HTTP, TCP and
 * TTL checks, health and catalog queries, KV with cas and locks, sessions, blocking queries), for
 * machines without Consul. `distlab registry` runs it in the foreground.
 */
export { startRegistry, type EmbeddedRegistry, type RegistryOptions } from "./registry.ts";
export { ManualClock, systemClock, type Clock, type Timer } from "./clock.ts";
export { formatDuration, parseDuration } from "./durations.ts";
export type { RequestStats, RouteStats } from "./http/server.ts";
