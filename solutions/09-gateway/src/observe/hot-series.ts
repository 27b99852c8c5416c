/**
 * Counters and histograms for the metrics every request updates, kept as plain numbers and rendered in
 * Prometheus' text format only when /metrics is scraped. prom-client validates and hashes the labels on
 * every update; at tens of thousands of requests a second that was the gateway's largest single cost.
 */

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  return Object.entries(labels)
    .map(([name, value]) => `${name}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    .join(",");
}

export class HotCounter {
  private readonly series = new Map<string, { labels: string; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** Adds 1 to the series `key` names; false when there is no such series yet (then call create). */
  inc(key: string): boolean {
    const series = this.series.get(key);
    if (!series) return false;
    series.value++;
    return true;
  }

  /** A new series, counted once. */
  create(key: string, labels: Labels): void {
    this.series.set(key, { labels: labelText(labels), value: 1 });
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.series.values()) lines.push(`${this.name}{${labels}} ${value}`);
    return lines.join("\n");
  }
}

export class HotHistogram {
  private readonly series = new Map<string, { labels: string; counts: Float64Array; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  /** Records `value` in the series `key` names; false when there is no such series yet (then call create). */
  observe(key: string, value: number): boolean {
    const series = this.series.get(key);
    if (!series) return false;
    series.sum += value;
    series.count++;
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= this.bounds[i]!) {
        series.counts[i]!++;
        break;
      }
    }
    return true;
  }

  /** A new series, with `value` as its first observation. */
  create(key: string, labels: Labels, value: number): void {
    this.series.set(key, { labels: labelText(labels), counts: new Float64Array(this.bounds.length), sum: 0, count: 0 });
    this.observe(key, value);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.series.values()) {
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
