// Checker benchmarks: generated linearizable KV histories (10 clients) of 1k, 10k and 100k operations
// over 1, 10 and 100 keys, timed from reading the file to the verdict, like `distlab check` does; and
// the whole `distlab check` process, start-up included, which is what Porcupine's figures measure.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKvHistory } from "./generate.ts";
import { formatHistory, readHistoryFile } from "./history.ts";
import { checkHistory } from "./linearizability.ts";
import type { Verdict } from "./model.ts";
import { kvModel } from "./models/kv.ts";

export interface CheckerBenchOptions {
  sizes?: number[];
  keys?: number[];
  clients?: number;
  seed?: number;
  /** Per-case limit; a case that runs out reports "unknown" (default 10 s). */
  timeoutMs?: number;
}

export interface CheckerBenchCase {
  operations: number;
  keys: number;
  clients: number;
  verdict: Verdict;
  parseMs: number;
  checkMs: number;
  totalMs: number;
}

export interface CliBenchTiming {
  operations: number;
  keys: number;
  /** Wall time of each run of the process, in milliseconds. */
  runsMs: number[];
  medianMs: number;
  /** "ok", or what went wrong (exit code and first line of stderr). */
  outcome: string;
}

/** Writes a generated history to a file and returns its path (the caller removes `dir`). */
export function writeBenchHistory(dir: string, operations: number, keys: number, clients = 10, seed = 1): string {
  const file = join(dir, `history-${operations}-ops-${keys}-keys.jsonl`);
  writeFileSync(file, formatHistory(generateKvHistory({ operations, keys, clients, seed })));
  return file;
}

/** Every size × key count, in process: parse and check timed separately. */
export function checkerBenchCases(options: CheckerBenchOptions = {}): CheckerBenchCase[] {
  const { sizes = [1_000, 10_000, 100_000], keys = [1, 10, 100], clients = 10, seed = 1, timeoutMs = 10_000 } = options;
  return withTempDir("distlab-bench-check-", (dir) =>
    keys.flatMap((keyCount) =>
      sizes.map((operations) => {
        const file = writeBenchHistory(dir, operations, keyCount, clients, seed);
        const started = performance.now();
        const history = readHistoryFile(file, kvModel);
        const parsed = performance.now();
        const result = checkHistory(kvModel, history, { timeoutMs });
        const done = performance.now();
        return {
          operations,
          keys: keyCount,
          clients,
          verdict: result.result,
          parseMs: round(parsed - started),
          checkMs: round(done - parsed),
          totalMs: round(done - started),
        };
      }),
    ),
  );
}

/** Times the whole CLI process, `node BIN check FILE --model kv`, `runs` times on one generated history. */
export function checkCliTiming(
  bin: string,
  operations = 100_000,
  keys = 100,
  runs = 5,
  nodeBinary = process.execPath,
): CliBenchTiming {
  return withTempDir("distlab-bench-cli-", (dir) => {
    const file = writeBenchHistory(dir, operations, keys);
    const runsMs: number[] = [];
    let outcome = "ok";
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const child = spawnSync(nodeBinary, [bin, "check", file, "--model", "kv"], { encoding: "utf8" });
      runsMs.push(round(performance.now() - started));
      if (child.status !== 0)
        outcome = `exit ${child.status}: ${(child.stderr || child.stdout).trim().split("\n")[0] ?? ""}`;
    }
    return { operations, keys, runsMs, medianMs: median(runsMs), outcome };
  });
}

function withTempDir<T>(prefix: string, use: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : round((sorted[middle - 1]! + sorted[middle]!) / 2);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
