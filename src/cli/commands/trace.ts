// distlab trace FILE [--html OUT]
// Prints a simulation trace (JSON lines) as a text timeline; with --html, also writes a page with one
// column per node and arrows from each send to its delivery.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { readTraceFile, renderHtmlTimeline, renderTextTimeline, TraceFormatError } from "../../../shared/sim/index.ts";
import type { ParsedTrace } from "../../../shared/sim/index.ts";

export const TRACE_USAGE = `usage: distlab trace FILE [--html OUT]

Prints the simulation trace in FILE (written when a seeded test fails) as a timeline.`;

export async function traceCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { html: { type: "string" }, help: { type: "boolean", short: "h", default: false } },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${TRACE_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1)
    return usageError(
      positionals.length === 0 ? "missing the trace FILE" : `expected one FILE, got ${positionals.length}`,
    );
  const file = positionals[0]!;
  let trace: ParsedTrace;
  try {
    trace = readTraceFile(file);
  } catch (error) {
    const problem =
      error instanceof TraceFormatError
        ? error.message
        : (error as NodeJS.ErrnoException).code === "ENOENT"
          ? "no such file"
          : (error as Error).message;
    process.stderr.write(`distlab trace: ${file}: ${problem}\n`);
    return 2;
  }
  process.stdout.write(renderTextTimeline(trace));
  if (values.html !== undefined) {
    writeFileSync(values.html, renderHtmlTimeline(trace));
    process.stderr.write(`distlab trace: wrote ${values.html}\n`);
  }
  return 0;
}

function usageError(message: string): number {
  process.stderr.write(`distlab trace: ${message}\n\n${TRACE_USAGE}\n`);
  return 2;
}
