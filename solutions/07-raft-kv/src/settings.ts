// The settings of a live server process, from its environment (`distlab run 07 node|cluster` sets the
// DISTLAB_* ones from its flags). A bad value stops the process with a message naming the variable. The
// data folder is the cluster's: each server keeps its files in <data-dir>/<name>, and all of them publish
// their addresses in <data-dir>/peers, so every server of a cluster is started with the same --data-dir.
import { join, resolve } from "node:path";
import { serviceConfigFromEnv, type ServiceConfig } from "@distlab/kit/service";

export interface NodeSettings {
  service: ServiceConfig;
  /** This server's name, and every server of the cluster in order (RAFT_KV_NODE, RAFT_KV_NODES). */
  node: string;
  servers: string[];
  /** This server's files: <data-dir>/<node>. */
  nodeDir: string;
  /** Where the servers of the cluster publish their addresses: <data-dir>/peers, shared by all of them. */
  peersDir: string;
  maxLogEntries: number;
  deadlineMs: number;
  retryMs: number;
  maxClerks: number;
  maxValueBytes: number;
  electionTimeoutMs: [number, number];
  heartbeatMs: number;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got '${raw}'`);
  return value;
}

/** Server names n1…nN for a cluster of `count`. */
export function serverNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `n${i + 1}`);
}

export function nodeSettings(env: NodeJS.ProcessEnv = process.env): NodeSettings {
  const service = serviceConfigFromEnv(env);
  const servers = (env.RAFT_KV_NODES ?? "n1,n2,n3").split(",").map((name) => name.trim());
  if (servers.some((name) => !/^[A-Za-z0-9._-]+$/.test(name)) || new Set(servers).size !== servers.length)
    throw new Error(
      `RAFT_KV_NODES must list distinct server names (letters, digits, . _ -), got '${env.RAFT_KV_NODES}'`,
    );
  const node = env.RAFT_KV_NODE ?? servers[0]!;
  if (!servers.includes(node))
    throw new Error(`RAFT_KV_NODE '${node}' is not one of the cluster's servers (RAFT_KV_NODES: ${servers.join(",")})`);
  const minElection = integer(env, "RAFT_KV_ELECTION_MS", 1_000);
  return {
    service,
    node,
    servers,
    nodeDir: join(resolve(service.dataDir), node),
    peersDir: join(resolve(service.dataDir), "peers"),
    maxLogEntries: integer(env, "RAFT_KV_MAX_LOG_ENTRIES", 1_000),
    deadlineMs: integer(env, "RAFT_KV_DEADLINE_MS", 5_000),
    retryMs: integer(env, "RAFT_KV_CLERK_RETRY_MS", 1_000),
    maxClerks: integer(env, "RAFT_KV_MAX_CLERKS", 256),
    maxValueBytes: integer(env, "KV_MAX_VALUE_BYTES", 64 * 1024),
    electionTimeoutMs: [minElection, 2 * minElection],
    heartbeatMs: integer(env, "RAFT_KV_HEARTBEAT_MS", 100),
  };
}
