// The two ways a client learns who is registered, side by side: the lab's resolver (a watch on etcd,
// blocking queries on Consul) and the baseline, a poller that reads the registry once a second.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Etcd3 } from "etcd3";
import type { RegistryChoice } from "@distlab/lab/08-discovery/environment.ts";

export const POLL_MS = 1_000;

/** Reads the registry every second and calls `onIds` with the instance ids of `service`. */
export function startPoller(registry: RegistryChoice, service: string, onIds: (ids: string[]) => void): () => void {
  let read: () => Promise<string[]>;
  let close = () => {};
  if (registry.kind === "etcd") {
    const etcd = new Etcd3({ hosts: registry.endpoints });
    const prefix = `${registry.prefix}services/${service}/`;
    read = async () =>
      Object.values(await etcd.getAll().prefix(prefix).strings()).map(
        (text) => (JSON.parse(text) as { id: string }).id,
      );
    close = () => etcd.close();
  } else {
    const url = `${registry.url}/v1/health/service/${service}?passing`;
    read = async () => ((await (await fetch(url)).json()) as { Service: { ID: string } }[]).map((e) => e.Service.ID);
  }
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    onIds(await read().catch(() => []));
    setTimeout(() => void tick(), POLL_MS);
  };
  void tick();
  return () => {
    stopped = true;
    close();
  };
}

/** A /health endpoint for Consul's HTTP check of a benchmark instance; close() makes it go silent. */
export async function startHealthEndpoint(): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const server: Server = createServer((_request, response) => response.writeHead(200).end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/health`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves with the time (ms since `since`) at which `ids()` first satisfies `done`, polled every 5 ms. */
export async function firstTime(
  since: number,
  ids: () => string[],
  done: (ids: string[]) => boolean,
  timeoutMs = 20_000,
): Promise<number> {
  while (Date.now() - since < timeoutMs) {
    if (done(ids())) return Date.now() - since;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Number.POSITIVE_INFINITY;
}
