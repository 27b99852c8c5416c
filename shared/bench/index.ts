// What a lab's benchmark is made of. A lab names its benchmark in lab.json (`"bench": "bench/main.ts"`);
// `distlab bench NN` imports that module and calls its `bench(options)`, which measures the lab's code
// (options.target) AND its baseline in the same run, and returns rows and ratios. The CLI prints them as
// a table, or with --json exactly as `{"rows":[…],"ratios":{…}}`. Speed targets are met here, never by
// timed assertions in tests.
import type { LoadResult } from "./load.ts";

export { runDistlab, type CliRunOptions } from "./cli.ts";
export { closedLoop, type LoadResult } from "./load.ts";
export { formatTable } from "./table.ts";
export { benchTable, printableReport } from "./report.ts";

export interface BenchOptions {
  /** The folder holding the lab's src/ (the reference by default). */
  target: string;
  /** How long to measure each row, in seconds (--seconds). */
  seconds: number;
  /** Progress for the human, one line at a time (stderr with --json, so stdout stays one JSON object). */
  log(line: string): void;
}

/** One measured configuration: a system (ours or a baseline) at one concurrency. */
export interface BenchRow {
  system: string;
  concurrency: number;
  /** Operations per second (say which operations in `unit` when they are not requests). */
  rps: number;
  p50_ms: number;
  p99_ms: number;
  /** What one operation is, e.g. "durable PUTs" (printed in the table header). */
  unit?: string;
  errors?: number;
}

export interface BenchReport {
  rows: BenchRow[];
  /** Ours over theirs, keyed by the baseline's name, e.g. { "etcd": 1.4 } (> 1: ours is faster). */
  ratios: Record<string, number>;
  /** How the run was set up and what the ratios are measured at, one line each (not part of --json). */
  notes?: string[];
}

/** The function a lab's benchmark module exports as `bench`. */
export type LabBench = (options: BenchOptions) => Promise<BenchReport>;

/** A closed-loop result as a row of the report. */
export function loadRow(system: string, result: LoadResult, unit?: string): BenchRow {
  const round = (value: number, digits: number) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : 0);
  return {
    system,
    concurrency: result.concurrency,
    rps: round(result.opsPerSecond, 1),
    p50_ms: round(result.p50ms, 3),
    p99_ms: round(result.p99ms, 3),
    ...(unit ? { unit } : {}),
    errors: result.errors,
  };
}
