// Finding an etcd: ETCD_ENDPOINTS when set (someone else runs it), else Debian's etcd started on a temp
// folder and free loopback ports, else an etcd container through testcontainers when a container runtime
// answers, else null with a one-line reason that a test prints when it skips and a demo when it stops.
import { containerRuntime, firstLine } from "./containers.ts";
import { findEtcdBinary, startLocalEtcd } from "./etcd.ts";

export interface EtcdServer {
  /** Client URLs, e.g. ["http://127.0.0.1:23790"]. */
  endpoints: string[];
  /** Where it came from, for the test or demo to print: "ETCD_ENDPOINTS", "etcd 3.4.23 (pid 1234)", … */
  source: string;
  kind: "env" | "binary" | "container";
  /** Stops the server if this process started it; resolves once it has exited. */
  stop(): Promise<void>;
}

export type EtcdLookup = { server: EtcdServer; reason?: undefined } | { server: null; reason: string };

/** A released etcd 3.5 image (the client, etcd3, speaks the v3 API of 3.4 and 3.5 alike). */
const ETCD_IMAGE = "quay.io/coreos/etcd:v3.5.17";

export async function findEtcd(): Promise<EtcdLookup> {
  const fromEnv = process.env["ETCD_ENDPOINTS"];
  if (fromEnv) {
    const endpoints = fromEnv
      .split(",")
      .map((endpoint) => endpoint.trim())
      .filter(Boolean);
    return { server: { endpoints, source: "ETCD_ENDPOINTS", kind: "env", stop: async () => {} } };
  }
  const reasons: string[] = [];
  if (findEtcdBinary()) {
    try {
      const etcd = await startLocalEtcd();
      return {
        server: {
          endpoints: [etcd.endpoint],
          source: `etcd ${etcd.version} (pid ${etcd.pid})`,
          kind: "binary",
          stop: etcd.stop,
        },
      };
    } catch (error) {
      reasons.push(`the local etcd did not start: ${firstLine(error)}`);
    }
  } else {
    reasons.push("etcd is not installed (Debian: etcd-server)");
  }
  const container = await startEtcdContainer();
  if (container.server) return container;
  reasons.push(container.reason);
  return { server: null, reason: `no etcd: ETCD_ENDPOINTS is not set, ${reasons.join("; ")}` };
}

async function startEtcdContainer(): Promise<EtcdLookup> {
  const runtime = await containerRuntime();
  if (!runtime.testcontainers) return { server: null, reason: runtime.reason };
  try {
    const { EtcdContainer } = await import("@testcontainers/etcd");
    const container = await new EtcdContainer(ETCD_IMAGE).start();
    return {
      server: {
        endpoints: [container.getClientEndpoint()],
        source: `container ${ETCD_IMAGE}`,
        kind: "container",
        stop: async () => void (await container.stop()),
      },
    };
  } catch (error) {
    return { server: null, reason: `the etcd container did not start: ${firstLine(error)}` };
  }
}
