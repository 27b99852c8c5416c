import type { Clock } from "./clock.ts";
import type { RouteConfig, RoutesFile, UpstreamConfig } from "./config/schema.ts";
import { TokenVerifier } from "./edge/jwt.ts";
import { RateLimiter } from "./edge/rate-limit.ts";
import type { GatewayMetrics } from "./observe/metrics.ts";
import { RouteTable } from "./routing/table.ts";
import type { InstanceSource } from "./upstreams/discovery.ts";
import { Upstream } from "./upstreams/upstream.ts";

export interface RuntimeDeps {
  clock: Clock;
  metrics: GatewayMetrics;
  source: InstanceSource | undefined;
  log: (entry: Record<string, unknown>) => void;
}

/**
 * One configuration, compiled: the routing table, the upstreams, the rate limiters and the token verifier.
 * A reload builds a new runtime and swaps it in; requests keep the runtime they started with. Upstreams
 * and rate limiters whose configuration did not change are carried over from the previous runtime, so a
 * reload keeps connections, health, breaker states and buckets.
 */
export class GatewayRuntime {
  readonly table: RouteTable;
  readonly upstreams = new Map<string, Upstream>();
  readonly limiters = new Map<string, RateLimiter>();
  readonly verifier: TokenVerifier | undefined;
  /** Headers that carry identity (the claims' headers of every route): never taken from a client. */
  readonly identityHeaders: ReadonlySet<string>;
  /** Requests started on this runtime and not finished. */
  inFlight = 0;
  private retired: (() => void) | undefined;
  private readonly instanceLists: [Upstream, UpstreamConfig][] = [];

  constructor(
    readonly version: number,
    readonly file: RoutesFile,
    previous: GatewayRuntime | undefined,
    deps: RuntimeDeps,
  ) {
    for (const [name, config] of Object.entries(file.upstreams)) {
      if (config.discovery && !deps.source) {
        throw new Error(
          `upstream '${name}' finds its instances through discovery (service '${config.discovery.service}'), but the gateway has no registry: set GATEWAY_REGISTRY`,
        );
      }
    }
    this.table = new RouteTable(file.routes);
    for (const [name, config] of Object.entries(file.upstreams)) {
      const kept = previous?.upstreams.get(name);
      if (kept && sameConfig({ ...kept.config, instances: [] }, { ...config, instances: [] })) {
        // Only the static instance list changed (or nothing): the same upstream takes the new list, so
        // the instances that stay keep their connections and state, as with a discovery update.
        // Applied by activate(), so that a configuration refused later changes nothing.
        if (!sameConfig(kept.config.instances, config.instances)) this.instanceLists.push([kept, config]);
        this.upstreams.set(name, kept);
        continue;
      }
      this.upstreams.set(
        name,
        new Upstream(name, config, deps.clock, deps.source, {
          onBreaker: (upstream, state) => {
            deps.metrics.breaker(upstream.name, state);
            deps.log({ msg: "circuit breaker", upstream: upstream.name, state });
          },
          onHealth: (upstream, instance, healthy) =>
            deps.log({ msg: "health", upstream: upstream.name, instance: instance.key, healthy }),
          onInstances: (upstream) =>
            deps.log({
              msg: "instances",
              upstream: upstream.name,
              instances: upstream.instances.map((i) => i.key),
            }),
        }),
      );
    }
    for (const route of file.routes) {
      if (!route.rateLimit) continue;
      const kept = previous?.limiters.get(route.id);
      this.limiters.set(
        route.id,
        kept && sameConfig(kept.config, route.rateLimit) ? kept : new RateLimiter(route.rateLimit, deps.clock),
      );
    }
    this.verifier =
      file.jwt &&
      (previous?.verifier && sameConfig(previous.verifier.config, file.jwt)
        ? previous.verifier
        : new TokenVerifier(file.jwt, deps.clock));
    this.identityHeaders = new Set(
      file.routes.flatMap((route: RouteConfig) => Object.values(route.auth?.claimsToHeaders ?? {})),
    );
  }

  /** This runtime takes over: upstreams carried over with a new static instance list get it now. */
  activate(): void {
    for (const [upstream, config] of this.instanceLists.splice(0)) upstream.replaceStaticInstances(config);
  }

  /** A request started on this runtime; it calls leave() once, when it has finished. */
  enter(): void {
    this.inFlight++;
  }

  leave(): void {
    this.inFlight--;
    if (this.inFlight === 0) this.retired?.();
  }

  /**
   * This runtime was replaced by `next`: once its last request has finished, close the upstreams that
   * `next` did not carry over.
   */
  retire(next: GatewayRuntime | undefined): Promise<void> {
    const dropped = [...this.upstreams.values()].filter(
      (upstream) => ![...(next?.upstreams.values() ?? [])].includes(upstream),
    );
    return new Promise<void>((resolve) => {
      this.retired = () => void Promise.all(dropped.map((upstream) => upstream.close())).then(() => resolve());
      if (this.inFlight === 0) this.retired();
    });
  }
}

function sameConfig(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
