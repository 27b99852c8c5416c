/**
 * Counters and histograms for the metrics every request updates, kept as plain numbers and rendered in
 * Prometheus' text format only when /metrics is scraped. prom-client validates and hashes the labels on
 * every update; at tens of thousands of requests a second that was the gateway's largest single cost.
 * Callers keep the series they update (see PairMap), so an update is an addition.
 */

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  return Object.entries(labels)
    .map(([name, value]) => `${name}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    .join(",");
}

/** One counter series: the caller that created it keeps it and adds to `value`. */
export interface CounterSeries {
  value: number;
}

export class HotCounter {
  private readonly series: (CounterSeries & { labels: string })[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** A new series at 0, rendered with `labels`. */
  create(labels: Labels): CounterSeries {
    const series = { labels: labelText(labels), value: 0 };
    this.series.push(series);
    return series;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.series) lines.push(`${this.name}{${labels}} ${value}`);
    return lines.join("\n");
  }
}

/** One histogram series, counted by observe(). */
export interface HistogramSeries {
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export class HotHistogram {
  private readonly series: (HistogramSeries & { labels: string })[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  /** A new, empty series, rendered with `labels`. */
  create(labels: Labels): HistogramSeries {
    const series = { labels: labelText(labels), counts: new Float64Array(this.bounds.length), sum: 0, count: 0 };
    this.series.push(series);
    return series;
  }

  /** Records `value` in `series`. */
  observe(series: HistogramSeries, value: number): void {
    series.sum += value;
    series.count++;
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= this.bounds[i]!) {
        series.counts[i]!++;
        break;
      }
    }
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.series) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += counts[i]!;
        lines.push(`${this.name}_bucket{${labels},le="${bound}"} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket{${labels},le="+Inf"} ${count}`);
      lines.push(`${this.name}_sum{${labels}} ${sum}`);
      lines.push(`${this.name}_count{${labels}} ${count}`);
    }
    return lines.join("\n");
  }
}

/**
 * A value per pair of keys (route and upstream, upstream and instance) in maps of maps: looking up two
 * names the gateway already holds hashes nothing new, where a key made by joining them would be a fresh
 * string to hash on every request.
 */
export class PairMap<V> {
  private readonly outer = new Map<string, Map<string, V>>();

  get(first: string, second: string): V | undefined {
    return this.outer.get(first)?.get(second);
  }

  set(first: string, second: string, value: V): V {
    let inner = this.outer.get(first);
    if (!inner) this.outer.set(first, (inner = new Map()));
    inner.set(second, value);
    return value;
  }
}
