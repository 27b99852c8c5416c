export interface LoadResult {
  concurrency: number;
  operations: number;
  errors: number;
  seconds: number;
  opsPerSecond: number;
  p50ms: number;
  p99ms: number;
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

/**
 * A closed-loop load: `concurrency` workers each send one request, wait for its answer, send the next,
 * until `durationMs` is over. Latency is per request; throughput is successful requests per second.
 */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  operation: (worker: number, sequence: number) => Promise<boolean>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let sequence = 0; performance.now() < end; sequence++) {
        const before = performance.now();
        const ok = await operation(worker, sequence).catch(() => false);
        if (ok) latencies.push(performance.now() - before);
        else errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    operations: latencies.length,
    errors,
    seconds,
    opsPerSecond: latencies.length / seconds,
    p50ms: percentile(latencies, 0.5),
    p99ms: percentile(latencies, 0.99),
  };
}
