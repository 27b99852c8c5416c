import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { BreakerState } from "../resilience/breaker.ts";
import type { Upstream } from "../upstreams/upstream.ts";

const BREAKER_STATES: readonly BreakerState[] = ["closed", "open", "half-open"];

/**
 * The gateway's Prometheus metrics (README, step 9), served at /metrics. Recording is on the hot path, so
 * each labelled series is looked up once and kept: a request costs a few map lookups and additions.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"route" | "upstream" | "status">;
  private readonly duration: Histogram<"route" | "upstream">;
  private readonly attempts: Counter<"upstream" | "instance" | "outcome">;
  private readonly retries: Counter<"route" | "upstream">;
  private readonly limited: Counter<"route" | "scope">;
  private readonly breakerState: Gauge<"upstream" | "state">;
  private readonly reloads: Counter<"result">;
  private readonly series = new Map<string, { inc(): void } | { observe(value: number): void }>();
  private upstreams: () => Iterable<Upstream> = () => [];

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: "gateway_requests_total",
      help: "Requests answered, by route, upstream and status code (route and upstream are 'none' when no route matched).",
      labelNames: ["route", "upstream", "status"],
      registers,
    });
    this.duration = new Histogram({
      name: "gateway_request_duration_seconds",
      help: "Time from a request's arrival to the end of its answer, by route and upstream.",
      labelNames: ["route", "upstream"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.attempts = new Counter({
      name: "gateway_upstream_attempts_total",
      help: "Attempts sent to upstream instances, by outcome: the status code, or 'error' when no answer came.",
      labelNames: ["upstream", "instance", "outcome"],
      registers,
    });
    this.retries = new Counter({
      name: "gateway_retries_total",
      help: "Retries made (attempts after the first), by route and upstream.",
      labelNames: ["route", "upstream"],
      registers,
    });
    this.limited = new Counter({
      name: "gateway_rate_limited_total",
      help: "Requests refused with 429, by route and by the bucket that was empty (client or route).",
      labelNames: ["route", "scope"],
      registers,
    });
    this.breakerState = new Gauge({
      name: "gateway_circuit_breaker_state",
      help: "1 for the state each upstream's circuit breaker is in (closed, open, half-open), 0 for the others.",
      labelNames: ["upstream", "state"],
      registers,
    });
    this.reloads = new Counter({
      name: "gateway_config_reloads_total",
      help: "Configuration loads, by result: ok (applied) or error (refused, the previous one kept).",
      labelNames: ["result"],
      registers,
    });
    const upstreamsOf = () => this.upstreams();
    new Gauge({
      name: "gateway_upstream_instances",
      help: "Instances of each upstream by state: available, unhealthy (active checks) or ejected (outlier detection).",
      labelNames: ["upstream", "state"],
      registers,
      collect() {
        this.reset();
        for (const upstream of upstreamsOf()) {
          const available = upstream.candidates().length;
          const unhealthy = upstream.instances.filter((instance) => !instance.healthy).length;
          const ejected = upstream.instances.filter((instance) => upstream.outliers?.isEjected(instance)).length;
          this.set({ upstream: upstream.name, state: "available" }, available);
          this.set({ upstream: upstream.name, state: "unhealthy" }, unhealthy);
          this.set({ upstream: upstream.name, state: "ejected" }, ejected);
        }
      },
    });
  }

  /** Where the instance gauges read the current upstreams from, at scrape time. */
  watchUpstreams(upstreams: () => Iterable<Upstream>): void {
    this.upstreams = upstreams;
  }

  request(route: string, upstream: string, status: number, seconds: number): void {
    this.counter(`r|${route}|${upstream}|${status}`, () =>
      this.requests.labels({ route, upstream, status: String(status) }),
    ).inc();
    this.histogram(`d|${route}|${upstream}`, () => this.duration.labels({ route, upstream })).observe(seconds);
  }

  attempt(upstream: string, instance: string, outcome: number | "error"): void {
    this.counter(`a|${upstream}|${instance}|${outcome}`, () =>
      this.attempts.labels({ upstream, instance, outcome: String(outcome) }),
    ).inc();
  }

  retry(route: string, upstream: string): void {
    this.counter(`t|${route}|${upstream}`, () => this.retries.labels({ route, upstream })).inc();
  }

  rateLimited(route: string, scope: string): void {
    this.limited.inc({ route, scope });
  }

  breaker(upstream: string, state: BreakerState): void {
    for (const candidate of BREAKER_STATES)
      this.breakerState.set({ upstream, state: candidate }, candidate === state ? 1 : 0);
  }

  reload(result: "ok" | "error"): void {
    this.reloads.inc({ result });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  private counter(key: string, create: () => { inc(): void }): { inc(): void } {
    let series = this.series.get(key) as { inc(): void } | undefined;
    if (!series) this.series.set(key, (series = create()));
    return series;
  }

  private histogram(key: string, create: () => { observe(value: number): void }): { observe(value: number): void } {
    let series = this.series.get(key) as { observe(value: number): void } | undefined;
    if (!series) this.series.set(key, (series = create()));
    return series;
  }
}
