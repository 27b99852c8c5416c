import { durationField } from "./durations.ts";
import { badRequest } from "./errors.ts";
import type { Fields } from "./fields.ts";

/**
 * Health check definitions, read the way Consul reads them. The embedded registry runs the kinds the labs
 * use — HTTP (GET every Interval: 2xx passing, 429 warning, anything else or no answer critical), TCP
 * (connect every Interval) and TTL (critical unless the service reports within TTL) — and refuses the
 * others by name instead of pretending.
 */

export type CheckStatus = "passing" | "warning" | "critical";
export const CHECK_STATUSES: readonly CheckStatus[] = ["passing", "warning", "critical"];

export interface CheckDefinition {
  kind: "http" | "tcp" | "ttl";
  http?: string;
  method?: string;
  header?: Record<string, string[]>;
  tcp?: string;
  intervalMs?: number;
  timeoutMs: number;
  ttlMs?: number;
  deregisterCriticalAfterMs?: number;
  successBeforePassing: number;
  failuresBeforeWarning: number;
  failuresBeforeCritical: number;
}

export interface CheckSpec {
  /** The CheckID the client asked for, if any. */
  id?: string;
  name?: string;
  notes: string;
  status?: CheckStatus;
  definition: CheckDefinition;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const UNSUPPORTED = ["GRPC", "H2PING", "UDP", "Args", "Script", "DockerContainerID", "AliasNode", "AliasService"];

export function parseStatus(value: string | undefined, field: string): CheckStatus | undefined {
  if (value === undefined || value === "") return undefined;
  if (!(CHECK_STATUSES as readonly string[]).includes(value))
    throw badRequest(`Invalid ${field} '${value}': passing, warning or critical`);
  return value as CheckStatus;
}

function count(fields: Fields, name: string): number {
  const value = fields.integer(name) ?? 0;
  if (value < 0) throw badRequest(`Invalid check: ${fields.where(name)} must be ≥ 0`);
  return value;
}

function positiveDuration(fields: Fields, name: string): number | undefined {
  const ms = durationField(fields.raw(name), fields.where(name));
  if (ms !== undefined && ms < 0) throw badRequest(`Invalid check: ${fields.where(name)} must not be negative`);
  return ms;
}

/** One check of a service registration or of PUT /v1/agent/check/register. */
export function parseCheck(fields: Fields): CheckSpec {
  const unsupported = UNSUPPORTED.find((name) => fields.has(name));
  if (unsupported)
    throw badRequest(
      `Invalid check: ${unsupported} checks are not supported by the embedded registry (HTTP, TCP, TTL)`,
    );
  const intervalMs = positiveDuration(fields, "Interval");
  const ttlMs = positiveDuration(fields, "TTL");
  const common = {
    timeoutMs: positiveDuration(fields, "Timeout") || DEFAULT_TIMEOUT_MS,
    deregisterCriticalAfterMs: positiveDuration(fields, "DeregisterCriticalServiceAfter"),
    successBeforePassing: count(fields, "SuccessBeforePassing"),
    failuresBeforeWarning: count(fields, "FailuresBeforeWarning"),
    failuresBeforeCritical: count(fields, "FailuresBeforeCritical"),
  };
  let definition: CheckDefinition;
  const http = fields.string("HTTP");
  const tcp = fields.string("TCP");
  if (http || tcp) {
    if (!intervalMs) throw badRequest("Invalid check: Interval must be > 0 for Script, HTTP, or TCP checks");
    if (http) {
      let url: URL;
      try {
        url = new URL(http);
      } catch {
        throw badRequest(`Invalid check: HTTP '${http}' is not a URL`);
      }
      if (url.protocol !== "http:" && url.protocol !== "https:")
        throw badRequest(`Invalid check: HTTP '${http}' must be an http or https URL`);
    }
    definition = http
      ? {
          kind: "http",
          http,
          method: fields.string("Method") || "GET",
          header: headerField(fields),
          intervalMs,
          ...common,
        }
      : { kind: "tcp", tcp: tcp!, intervalMs, ...common };
  } else if (fields.has("TTL")) {
    if (!ttlMs) throw badRequest("Invalid check: TTL must be > 0 for TTL checks");
    definition = { kind: "ttl", ttlMs, ...common };
  } else {
    throw badRequest("Invalid check: one of HTTP (with Interval), TCP (with Interval) or TTL is required");
  }
  return {
    id: fields.string("CheckID") || fields.string("ID") || undefined,
    name: fields.string("Name") || undefined,
    notes: fields.string("Notes") ?? "",
    status: parseStatus(fields.string("Status"), "check Status"),
    definition,
  };
}

function headerField(fields: Fields): Record<string, string[]> | undefined {
  const raw = fields.raw("Header");
  if (raw === undefined) return undefined;
  const valid =
    typeof raw === "object" &&
    raw !== null &&
    Object.values(raw).every((value) => Array.isArray(value) && value.every((item) => typeof item === "string"));
  if (!valid) throw badRequest(`Request decode failed: ${fields.where("Header")} must map names to lists of strings`);
  return raw as Record<string, string[]>;
}
