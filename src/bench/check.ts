// `distlab bench check`: the linearizability checker in process over a grid of generated histories,
// then the whole `distlab check` process next to Porcupine's figures for the same workload.
import { fileURLToPath } from "node:url";
import { checkCliTiming, checkerBenchCases, type CheckerBenchCase, type CliBenchTiming } from "@distlab/kit/check";
import { formatTable } from "@distlab/kit/bench";

/** Porcupine (Go) on the same generated histories, parsing included, from the issue that set the target. */
const PORCUPINE_REFERENCE_MS: Record<string, number> = { "10000/100": 40, "100000/100": 450 };
/** `distlab check` should stay within this factor of Porcupine, whole process included. */
const TARGET_RATIO = 2;
const PROCESS_CASES: Array<[operations: number, keys: number]> = [
  [10_000, 100],
  [100_000, 100],
];

export interface CheckProcessRow extends CliBenchTiming {
  porcupineReferenceMs: number;
  ratio: number;
  withinTarget: boolean;
}

export interface CheckBenchReport {
  inProcess: CheckerBenchCase[];
  process: CheckProcessRow[];
  notes: string[];
}

export function benchCheck(): CheckBenchReport {
  const inProcess = checkerBenchCases({ timeoutMs: 10_000 });
  const bin = fileURLToPath(new URL("../../bin/distlab.js", import.meta.url));
  const process = PROCESS_CASES.map(([operations, keys]): CheckProcessRow => {
    const timing = checkCliTiming(bin, operations, keys, 5);
    const porcupineReferenceMs = PORCUPINE_REFERENCE_MS[`${operations}/${keys}`]!;
    const ratio = Math.round((timing.medianMs / porcupineReferenceMs) * 100) / 100;
    return { ...timing, porcupineReferenceMs, ratio, withinTarget: ratio <= TARGET_RATIO };
  });
  return {
    inProcess,
    process,
    notes: [
      "in process: 10 clients, time from reading the file to the verdict; a case stops at 10 s and reports unknown",
      "process: `node bin/distlab.js check FILE --model kv`, wall time, median of 5 runs, node start-up included",
      "Porcupine figures are REFERENCE numbers from the issue (Go, a machine like this one, parsing included): " +
        "Go and Porcupine are not installed here, so they are not measured in this run",
      `target: within ${TARGET_RATIO}× of Porcupine, whole process included`,
    ],
  };
}

export function checkTables(report: CheckBenchReport): string {
  const grid = formatTable(
    ["operations", "keys", "verdict", "parse ms", "check ms", "total ms"],
    report.inProcess.map((c) => [
      String(c.operations),
      String(c.keys),
      c.verdict,
      c.parseMs.toFixed(1),
      c.checkMs.toFixed(1),
      c.totalMs.toFixed(1),
    ]),
  );
  const process = formatTable(
    ["history", "distlab check s", "Porcupine s (reference)", "ratio", "within 2×", "outcome"],
    report.process.map((row) => [
      `${row.operations} ops, ${row.keys} keys`,
      (row.medianMs / 1000).toFixed(3),
      (row.porcupineReferenceMs / 1000).toFixed(2),
      `${row.ratio.toFixed(2)}×`,
      row.withinTarget ? "yes" : "no",
      row.outcome,
    ]),
    "lrrrrl",
  );
  return [grid, "", process, "", ...report.notes.map((note) => `note: ${note}`)].join("\n");
}
