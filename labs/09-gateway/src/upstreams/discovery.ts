/**
 * Where an upstream's instances come from. A static upstream lists them in the routes file; a discovery
 * upstream asks a resolver — Lab 08's, which watches the registry and keeps serving the last known set
 * when the registry is unreachable. The gateway depends only on this shape, so it runs on either.
 */

/** One instance of a service, as the registry describes it (Lab 08's ServiceInstance). */
export interface ServiceInstance {
  id: string;
  service: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
}

/** The resolver's side the gateway uses (Lab 08's Resolver). */
export interface InstanceSource {
  /** The healthy instances known now (possibly the last known set, when the registry is down). */
  instances(service: string): ServiceInstance[];
  /** Calls `onChange` with the whole new set on every change; returns the unsubscribe function. */
  subscribe(service: string, onChange: (instances: ServiceInstance[]) => void): () => void;
  /** Whether the resolver currently hears from the registry. */
  readonly connected: boolean;
  close(): Promise<void>;
}

/** The instances of a static upstream, from the base URLs of the routes file. */
export function staticInstances(service: string, urls: readonly string[]): ServiceInstance[] {
  return urls.map((text) => {
    const url = new URL(text);
    return {
      id: `${url.hostname}:${url.port || 80}`,
      service,
      address: url.hostname,
      port: Number(url.port || 80),
      tags: [],
      meta: {},
    };
  });
}
