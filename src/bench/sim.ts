// `distlab bench sim`: simulator throughput on the 5-node heartbeat scenario, trace on and off.
import { simulatorBenchRows, type BenchRow } from "@distlab/kit/sim";
import { formatTable } from "@distlab/kit/bench";

export function benchSim(): BenchRow[] {
  return simulatorBenchRows(1, 5, 30_000);
}

export function simTable(rows: BenchRow[]): string {
  return formatTable(
    ["measure", "value", "unit", "note"],
    rows.map((row) => [row.name, String(row.value), row.unit, row.note]),
    "lrll",
  );
}
