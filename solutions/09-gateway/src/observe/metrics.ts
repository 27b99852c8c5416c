import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import { HotCounter, HotHistogram, PairMap, type CounterSeries, type HistogramSeries } from "./hot-series.ts";
import type { BreakerState } from "../resilience/breaker.ts";
import type { Upstream } from "../upstreams/upstream.ts";

const BREAKER_STATES: readonly BreakerState[] = ["closed", "open", "half-open"];

/** The series a request of one route through one upstream updates. */
interface RouteSeries {
  byStatus: Map<number, CounterSeries>;
  duration: HistogramSeries;
}

/**
 * The gateway's Prometheus metrics (README, step 9), served at /metrics. The series every request updates
 * are hot-series.ts's plain counters (found from names the gateway holds, then an addition); the rest — process metrics,
 * breaker states, instances, reloads, refusals — are prom-client's.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new HotCounter(
    "gateway_requests_total",
    "Requests answered, by route, upstream and status code.",
  );
  private readonly duration = new HotHistogram(
    "gateway_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by route and upstream.",
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  private readonly attempts = new HotCounter(
    "gateway_upstream_attempts_total",
    "Attempts sent to upstream instances, by outcome: the status code, or 'error' when no answer came.",
  );
  private readonly retries = new HotCounter(
    "gateway_retries_total",
    "Retries made (attempts after the first), by route and upstream.",
  );
  private readonly limited: Counter<"route" | "scope">;
  private readonly breakerState: Gauge<"upstream" | "state">;
  private readonly reloads: Counter<"result">;
  private upstreams: () => Iterable<Upstream> = () => [];
  private readonly routeSeries = new PairMap<RouteSeries>();
  /** Per upstream and instance: the attempts counter of each outcome. */
  private readonly attemptSeries = new PairMap<Map<number | "error", CounterSeries>>();
  private readonly retrySeries = new PairMap<CounterSeries>();

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
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
    const series =
      this.routeSeries.get(route, upstream) ??
      this.routeSeries.set(route, upstream, {
        byStatus: new Map(),
        duration: this.duration.create({ route, upstream }),
      });
    let counter = series.byStatus.get(status);
    if (!counter)
      series.byStatus.set(status, (counter = this.requests.create({ route, upstream, status: String(status) })));
    counter.value++;
    this.duration.observe(series.duration, seconds);
  }

  attempt(upstream: string, instance: string, outcome: number | "error"): void {
    const byOutcome =
      this.attemptSeries.get(upstream, instance) ?? this.attemptSeries.set(upstream, instance, new Map());
    let counter = byOutcome.get(outcome);
    if (!counter)
      byOutcome.set(outcome, (counter = this.attempts.create({ upstream, instance, outcome: String(outcome) })));
    counter.value++;
  }

  retry(route: string, upstream: string): void {
    const counter =
      this.retrySeries.get(route, upstream) ??
      this.retrySeries.set(route, upstream, this.retries.create({ route, upstream }));
    counter.value++;
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
    const hot = [this.requests, this.duration, this.attempts, this.retries].map((series) => series.render());
    return `${hot.join("\n")}\n${await this.registry.metrics()}`;
  }
}
