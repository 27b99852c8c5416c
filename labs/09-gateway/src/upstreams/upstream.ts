import type { Clock } from "../clock.ts";
import type { UpstreamConfig } from "../config/schema.ts";
import { CircuitBreaker, type BreakerState } from "../resilience/breaker.ts";
import { RetryBudget } from "../resilience/retry.ts";
import { createBalancer, type Balancer } from "./balancers.ts";
import { staticInstances, type InstanceSource, type ServiceInstance } from "./discovery.ts";
import { ActiveHealthChecks } from "./health.ts";
import { Instance } from "./instance.ts";
import { OutlierDetector } from "./outlier.ts";
import { todo } from "@distlab/kit/service";

export interface UpstreamEvents {
  /** The instance set changed (discovery), an instance changed health, a breaker changed state. */
  onInstances?(upstream: Upstream): void;
  onHealth?(upstream: Upstream, instance: Instance, healthy: boolean): void;
  onBreaker?(upstream: Upstream, state: BreakerState): void;
}

/**
 * One upstream of the routes file: its instances (static, or live from discovery), how requests are
 * spread over them, and the protections around them — health checks, outlier ejection, circuit breaker,
 * retry budget. Built once per configuration of that upstream and kept across reloads that leave it
 * unchanged, so connections, health and breaker state survive a reload.
 */
export class Upstream {
  private members: Instance[] = [];
  readonly balancer: Balancer;
  readonly budget: RetryBudget;
  readonly breaker: CircuitBreaker | undefined;
  readonly outliers: OutlierDetector | undefined;
  private readonly health: ActiveHealthChecks | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    readonly name: string,
    public config: UpstreamConfig,
    private readonly clock: Clock,
    source: InstanceSource | undefined,
    private readonly events: UpstreamEvents = {},
  ) {
    this.balancer = createBalancer(config.balancer);
    this.budget = new RetryBudget(config.retryBudget);
    this.breaker =
      config.circuitBreaker &&
      new CircuitBreaker(config.circuitBreaker, clock, (state) => events.onBreaker?.(this, state));
    this.outliers = config.outlierDetection && new OutlierDetector(config.outlierDetection, clock);
    this.health =
      config.healthCheck &&
      new ActiveHealthChecks(config.healthCheck, clock, (instance, healthy) =>
        events.onHealth?.(this, instance, healthy),
      );
    if (config.instances) {
      this.setInstances(staticInstances(name, config.instances));
    } else {
      const service = config.discovery!.service;
      if (!source) {
        throw new Error(
          `upstream '${name}' finds its instances through discovery (service '${service}'), but the gateway has no registry: set GATEWAY_REGISTRY`,
        );
      }
      this.setInstances(source.instances(service));
      this.unsubscribe = source.subscribe(service, (instances) => this.setInstances(instances));
    }
  }

  /** Every instance, in a stable order (registration order). */
  get instances(): readonly Instance[] {
    return this.members;
  }

  /** The instances a request may go to now: healthy, not ejected, not in `exclude`. */
  candidates(exclude?: ReadonlySet<Instance>): Instance[] {
    return this.members.filter(
      (instance) =>
        instance.healthy && !(this.outliers?.isEjected(instance) ?? false) && !(exclude?.has(instance) ?? false),
    );
  }

  /**
   * The instance for the next attempt: one not tried yet by this request when there is one, else any
   * available one (a single-instance upstream retries on its only instance).
   */
  pick(tried?: ReadonlySet<Instance>): Instance | undefined {
    const fresh = tried && tried.size > 0 ? this.candidates(tried) : undefined;
    if (fresh && fresh.length > 0) return this.balancer.pick(fresh);
    // Every instance available (the common case): no list to build.
    return this.balancer.pick(this.allAvailable() ? this.members : this.candidates());
  }

  private allAvailable(): boolean {
    for (const instance of this.members) {
      if (!instance.healthy || (this.outliers?.isEjected(instance) ?? false)) return false;
    }
    return true;
  }

  /**
   * Replaces the instance set with `registrations` (a discovery update): instances still present keep
   * their object — connections, outstanding count, health and ejection state — new ones join, removed
   * ones stop being picked at once and close their connections when their requests have finished.
   */
  setInstances(registrations: readonly ServiceInstance[]): void {
    return todo("TODO(lab09 §3): apply a new instance set, keeping the state of instances that stay — see labs/09-gateway/README.md, step 3");
    this.events.onInstances?.(this);
  }

  /** A new instance: its own connection pool, and health checks when the upstream has them. */
  private join(registration: ServiceInstance): Instance {
    const instance = new Instance(registration, this.config.connections);
    this.health?.watch(instance);
    return instance;
  }

  /** An instance that left: no more health checks; its connections close when its requests are done. */
  private leave(instance: Instance): void {
    this.health?.unwatch(instance);
    void instance.close();
  }

  /** A reload changed only the static instance list. */
  replaceStaticInstances(config: UpstreamConfig): void {
    this.config = config;
    this.setInstances(staticInstances(this.name, config.instances ?? []));
  }

  /** Stops watching and health-checking; connections close once their requests have finished. */
  async close(): Promise<void> {
    this.unsubscribe?.();
    this.health?.stop();
    await Promise.all(this.members.map((instance) => instance.close()));
  }
}
