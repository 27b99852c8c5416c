import { Etcd3 } from "etcd3";
import {
  findEtcdBinary,
  findRealConsul,
  startEmbeddedConsul,
  startLocalEtcd,
  type ConsulServer,
  type LocalEtcd,
} from "@distlab/kit/infra";

/**
 * The registries the tests run against, started by the test file (services under test only get their
 * address): etcd — ETCD_ENDPOINTS when set, else Debian's etcd started on a temp folder; Consul — a real
 * one when CONSUL_HTTP_ADDR or a consul binary exists, else the kit's embedded Consul-compatible registry.
 * Each test prints which one it used. Tests read the registry directly (never through the code under test).
 */

export type RegistryKind = "etcd" | "consul";

export interface SeenInstance {
  id: string;
  address: string;
  port: number;
  meta: Record<string, string>;
}

export interface TestRegistry {
  readonly kind: RegistryKind;
  /** What it is, for test output: "etcd 3.4.23 (pid 123)", "embedded registry (@distlab/kit/registry)". */
  readonly source: string;
  readonly host: string;
  readonly port: number;
  /** The environment that points a service at this registry (or at `via`, a proxy in front of it). */
  env(via?: { host: string; port: number }): Record<string, string>;
  /** The instances of a service the registry would hand a resolver now (Consul: passing ones only). */
  instances(service: string): Promise<SeenInstance[]>;
  setConfig(service: string, name: string, value: string): Promise<void>;
  deleteConfig(service: string, name: string): Promise<void>;
  /** Consul only: the health checks of one instance (type "http" | "ttl", status, output). */
  readonly checks?: (instanceId: string) => Promise<{ type: string; status: string; output: string }[]>;
  /** Replaces the registry by a fresh, empty one at the same address; undefined when it is not ours to restart. */
  readonly restart: (() => Promise<void>) | undefined;
  close(): Promise<void>;
}

/** Which registries this machine has, known when the file is collected (so a missing one is a named skip). */
export function availability(kind: RegistryKind): { available: boolean; why: string } {
  if (kind === "consul") return { available: true, why: "" };
  if (process.env.ETCD_ENDPOINTS || findEtcdBinary()) return { available: true, why: "" };
  return {
    available: false,
    why: "no etcd: ETCD_ENDPOINTS is not set and etcd is not installed (Debian: etcd-server)",
  };
}

/** Whether the test can replace the registry by a fresh one (it started it), known when the file is collected. */
export function restartability(kind: RegistryKind): { restartable: boolean; why: string } {
  if (kind === "etcd") {
    if (process.env.ETCD_ENDPOINTS)
      return { restartable: false, why: "etcd comes from ETCD_ENDPOINTS: not ours to restart" };
    return findEtcdBinary()
      ? { restartable: true, why: "" }
      : { restartable: false, why: "etcd is not installed (Debian: etcd-server)" };
  }
  if (process.env.CONSUL_HTTP_ADDR)
    return { restartable: false, why: "Consul comes from CONSUL_HTTP_ADDR: not ours to restart" };
  return { restartable: true, why: "" };
}

export async function startTestRegistry(kind: RegistryKind): Promise<TestRegistry> {
  const registry = kind === "etcd" ? await startEtcd() : await startConsul();
  console.info(`[lab 08] ${kind} tests run against ${registry.source}`);
  return registry;
}

const PREFIX = "/distlab/";

async function startEtcd(): Promise<TestRegistry> {
  const external = process.env.ETCD_ENDPOINTS;
  let local: LocalEtcd | undefined = external ? undefined : await startLocalEtcd();
  const endpoint = external ? external.split(",")[0]!.trim() : local!.endpoint;
  const url = new URL(endpoint);
  let client = new Etcd3({ hosts: endpoint });
  return {
    kind: "etcd",
    source: external
      ? `etcd at ${endpoint} (ETCD_ENDPOINTS)`
      : `etcd ${local!.version} (pid ${local!.pid}, started by the test)`,
    host: url.hostname,
    port: Number(url.port),
    env: (via) => ({
      REGISTRY: "etcd",
      ETCD_ENDPOINTS: via ? `http://${via.host}:${via.port}` : endpoint,
      ETCD_PREFIX: PREFIX,
    }),
    async instances(service) {
      const values = await client.getAll().prefix(`${PREFIX}services/${service}/`).strings();
      return Object.values(values).flatMap((text) => {
        try {
          const instance = JSON.parse(text) as SeenInstance;
          return [{ id: instance.id, address: instance.address, port: instance.port, meta: instance.meta ?? {} }];
        } catch {
          return [];
        }
      });
    },
    setConfig: async (service, name, value) =>
      void (await client.put(`${PREFIX}config/${service}/${name}`).value(value)),
    deleteConfig: async (service, name) => void (await client.delete().key(`${PREFIX}config/${service}/${name}`)),
    restart: local
      ? async () => {
          const ports = local!.ports;
          client.close();
          await local!.stop();
          local = await startLocalEtcd(20_000, ports);
          client = new Etcd3({ hosts: endpoint });
        }
      : undefined,
    async close() {
      client.close();
      await local?.stop();
    },
  };
}

interface HealthEntry {
  Node: { Address: string };
  Service: { ID: string; Address: string; Port: number; Meta: Record<string, string> | null };
}

async function startConsul(): Promise<TestRegistry> {
  const real = await findRealConsul();
  let server: ConsulServer = real.server ?? (await startEmbeddedConsul());
  const api = (path: string, init?: RequestInit) => fetch(`${server.url}/v1/${path}`, init);
  return {
    kind: "consul",
    source: real.server ? server.source : `${server.source}; ${real.reason}`,
    host: server.host,
    port: server.port,
    env: (via) => ({
      REGISTRY: "consul",
      CONSUL_HTTP_ADDR: via ? `${via.host}:${via.port}` : `${server.host}:${server.port}`,
    }),
    async instances(service) {
      const entries = (await (await api(`health/service/${service}?passing`)).json()) as HealthEntry[];
      return entries.map((entry) => ({
        id: entry.Service.ID,
        address: entry.Service.Address || entry.Node.Address,
        port: entry.Service.Port,
        meta: entry.Service.Meta ?? {},
      }));
    },
    async checks(instanceId) {
      const all = (await (await api("health/state/any")).json()) as {
        ServiceID: string;
        Type: string;
        Status: string;
        Output: string;
      }[];
      return all
        .filter((check) => check.ServiceID === instanceId)
        .map((check) => ({ type: check.Type, status: check.Status, output: check.Output }));
    },
    setConfig: async (service, name, value) =>
      void (await api(`kv/distlab/config/${service}/${name}`, { method: "PUT", body: value })),
    deleteConfig: async (service, name) =>
      void (await api(`kv/distlab/config/${service}/${name}`, { method: "DELETE" })),
    restart:
      server.kind === "embedded"
        ? async () => {
            const port = server.port;
            await server.stop();
            server = await startEmbeddedConsul(port);
          }
        : undefined,
    close: () => server.stop(),
  };
}
