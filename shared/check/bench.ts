// Checker benchmarks: generated linearizable KV histories (10 clients) of 1k, 10k and 100k operations
// over 1, 10 and 100 keys, timed from reading the file to the verdict, like `distlab check` does.
// For comparison, Porcupine checks 100k operations over 100 keys in about 0.45 s and 10k in 0.04 s.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchRow } from "../sim/bench.ts";
import { generateKvHistory } from "./generate.ts";
import { formatHistory, readHistoryFile } from "./history.ts";
import { checkHistory } from "./linearizability.ts";
import { kvModel } from "./models/kv.ts";

export type { BenchRow };

export interface CheckerBenchOptions {
  sizes?: number[];
  keys?: number[];
  clients?: number;
  seed?: number;
  /** Per-case limit; a case that runs out reports "unknown" in its note (default 10 s). */
  timeoutMs?: number;
}

/** Writes a generated history to a file and returns its path (the caller removes `dir`). */
export function writeBenchHistory(dir: string, operations: number, keys: number, clients = 10, seed = 1): string {
  const file = join(dir, `history-${operations}-ops-${keys}-keys.jsonl`);
  writeFileSync(file, formatHistory(generateKvHistory({ operations, keys, clients, seed })));
  return file;
}

export function checkerBenchRows(options: CheckerBenchOptions = {}): BenchRow[] {
  const { sizes = [1_000, 10_000, 100_000], keys = [1, 10, 100], clients = 10, seed = 1, timeoutMs = 10_000 } = options;
  const dir = mkdtempSync(join(tmpdir(), "distlab-bench-check-"));
  const rows: BenchRow[] = [];
  try {
    for (const keyCount of keys) {
      for (const size of sizes) {
        const file = writeBenchHistory(dir, size, keyCount, clients, seed);
        const started = performance.now();
        const history = readHistoryFile(file, kvModel);
        const parsed = performance.now();
        const result = checkHistory(kvModel, history, { timeoutMs });
        const done = performance.now();
        rows.push({
          name: `check: ${size} ops, ${keyCount} key(s), ${clients} clients`,
          value: round(done - started),
          unit: "ms",
          note: `${result.result}; parse ${round(parsed - started)} ms + check ${round(done - parsed)} ms`,
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** Times the whole CLI process, `node BIN check FILE --json`, on a generated history. */
export function checkCliBenchRow(
  bin: string,
  operations = 100_000,
  keys = 100,
  nodeBinary = process.execPath,
): BenchRow {
  const dir = mkdtempSync(join(tmpdir(), "distlab-bench-cli-"));
  try {
    const file = writeBenchHistory(dir, operations, keys);
    const started = performance.now();
    const child = spawnSync(nodeBinary, [bin, "check", file, "--json"], { encoding: "utf8" });
    const wallMs = performance.now() - started;
    const verdict = child.status === 0 ? "ok" : `exit ${child.status}: ${child.stderr.trim().split("\n")[0] ?? ""}`;
    return {
      name: `check CLI process: ${operations} ops, ${keys} keys`,
      value: round(wallMs),
      unit: "ms",
      note: `${verdict}; includes node startup`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
