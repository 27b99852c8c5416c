import type { BenchReport } from "./index.ts";
import { formatTable } from "./table.ts";

/** The human table of a benchmark: one row per system and concurrency, then the ratios and the notes. */
export function benchTable(report: BenchReport): string {
  const unit = report.rows.find((row) => row.unit)?.unit ?? "requests";
  const table = formatTable(
    ["system", "concurrency", `${unit}/s`, "p50 ms", "p99 ms", "errors"],
    report.rows.map((row) => [
      row.system,
      String(row.concurrency),
      row.rps.toFixed(0),
      row.p50_ms.toFixed(2),
      row.p99_ms.toFixed(2),
      row.errors === undefined ? "" : String(row.errors),
    ]),
  );
  const ratios = Object.entries(report.ratios).map(([baseline, ratio]) => `ratio: ${ratio.toFixed(2)}× ${baseline}`);
  const notes = (report.notes ?? []).map((note) => `note: ${note}`);
  return [table, "", ...(ratios.length > 0 ? ratios : ["ratio: n/a (no baseline ran)"]), ...notes].join("\n");
}

/** The --json form: exactly the rows and the ratios. */
export function printableReport(report: BenchReport): { rows: BenchReport["rows"]; ratios: BenchReport["ratios"] } {
  return { rows: report.rows, ratios: report.ratios };
}
