import type { Resolver, ServiceInstance } from "@distlab/lab/08-discovery/resolver.ts";

/**
 * Where an upstream's instances come from. A static upstream lists them in the routes file (KrakenD's
 * `sd: static`); a discovery upstream asks Lab 08's resolver, which watches the registry and keeps serving
 * the last known set when the registry is unreachable.
 */

export type { ServiceInstance };

/** The resolver's side the gateway uses: instances(), subscribe(), connected, close(). */
export type InstanceSource = Pick<Resolver, "instances" | "subscribe" | "connected" | "close">;

/** The instances of a static upstream, from the base URLs of the routes file. */
export function staticInstances(service: string, urls: readonly string[]): ServiceInstance[] {
  return urls.map((text) => {
    const url = new URL(text);
    const port = Number(url.port || 80);
    return { id: `${url.hostname}:${port}`, service, address: url.hostname, port, tags: [], meta: {} };
  });
}
