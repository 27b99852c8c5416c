import { startTcpFaultProxy, type TcpFaultProxy } from "@distlab/kit/faults";
import type { TestRegistry } from "./registries.ts";

/**
 * The network between a service and its registry, as a TCP fault proxy the service is pointed at. `cut()`
 * drops every open connection and blackholes new ones (connections are accepted and never answered, as
 * behind a dead switch); `heal()` lets them through again. Works for etcd's gRPC and Consul's HTTP alike.
 */
export interface Link {
  readonly host: string;
  readonly port: number;
  cut(): Promise<void>;
  heal(): Promise<void>;
  close(): Promise<void>;
}

export async function startLink(registry: TestRegistry): Promise<Link> {
  const upstream = { host: registry.host, port: registry.port };
  let proxy: TcpFaultProxy = await startTcpFaultProxy({ upstream, seed: 1 });
  const port = proxy.port;
  const replace = async (blackhole: boolean) => {
    await proxy.close();
    proxy = await startTcpFaultProxy({ upstream, port, seed: 1, rules: blackhole ? [{ fault: "blackhole" }] : [] });
  };
  return {
    host: proxy.host,
    port,
    cut: () => replace(true),
    heal: () => replace(false),
    close: () => proxy.close(),
  };
}
