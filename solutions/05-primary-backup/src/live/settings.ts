// The live cluster's settings, from the environment, refused with a message naming the variable when wrong.
import type { Mode } from "../replica.ts";

export type Role = "viewservice" | "replica" | "cache";

export interface ClusterSettings {
  /** PB_MODE: how the replicas replicate (sync by default). */
  mode: Mode;
  /** PB_CACHE: whether a cache node runs and reads may go through it (on by default). */
  cache: boolean;
  /** PB_CLIENTS: how many client nodes the HTTP front spreads requests over, per kind (8 by default). */
  clients: number;
  /** PB_TIMEOUT_MS: how long the front waits for an operation before answering 503 (10 000 by default). */
  timeoutMs: number;
}

export interface NodeSettings {
  id: string;
  role: Role;
  mode: Mode;
  /** The folder where every process of the cluster publishes its address (HTTP transport). */
  addresses: string;
}

type Env = Record<string, string | undefined>;

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback?: T): T {
  const raw = env[name];
  if ((raw === undefined || raw === "") && fallback !== undefined) return fallback;
  if (!allowed.includes(raw as T))
    throw new Error(`${name} must be one of ${allowed.join(", ")}, got ${raw === undefined ? "nothing" : `'${raw}'`}`);
  return raw as T;
}

function positiveInteger(env: Env, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new Error(`${name} must be a whole number from 1 to ${max}, got '${raw}'`);
  return value;
}

export function clusterSettings(env: Env = process.env): ClusterSettings {
  return {
    mode: oneOf(env, "PB_MODE", ["sync", "async"] as const, "sync"),
    cache: oneOf(env, "PB_CACHE", ["on", "off"] as const, "on") === "on",
    clients: positiveInteger(env, "PB_CLIENTS", 8, 64),
    timeoutMs: positiveInteger(env, "PB_TIMEOUT_MS", 10_000, 600_000),
  };
}

export function nodeSettings(env: Env = process.env): NodeSettings {
  const id = env["PB_NODE"];
  if (!id || !/^[a-z][a-z0-9-]*$/.test(id)) throw new Error(`PB_NODE must name the node (e.g. s1), got '${id ?? ""}'`);
  const addresses = env["PB_ADDRESSES"];
  if (!addresses) throw new Error("PB_ADDRESSES must name the folder where the cluster's processes publish addresses");
  return {
    id,
    role: oneOf(env, "PB_ROLE", ["viewservice", "replica", "cache"] as const),
    mode: oneOf(env, "PB_MODE", ["sync", "async"] as const, "sync"),
    addresses,
  };
}
