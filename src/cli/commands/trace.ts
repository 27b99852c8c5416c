// distlab trace FILE [--html OUT]
// Prints a simulation trace (JSON lines) as a text timeline; with --html, also writes a page with one
// column per node and arrows from each send to its delivery.
import { writeFileSync } from "node:fs";
import { readTraceFile, renderHtmlTimeline, renderTextTimeline, TraceFormatError } from "@distlab/kit/sim";
import { onePositional, parse, UsageError } from "../args.ts";

const USAGE = "distlab trace FILE [--html OUT]   (FILE: the trace a failing seeded test wrote)";

export async function traceCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { html: { type: "string" }, help: { type: "boolean", short: "h" } },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  const file = onePositional(positionals, "trace FILE", USAGE);
  let trace;
  try {
    trace = readTraceFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = error instanceof TraceFormatError || code !== "ENOENT" ? (error as Error).message : "no such file";
    throw new UsageError(`${file}: ${problem}`);
  }
  process.stdout.write(renderTextTimeline(trace));
  if (values.html !== undefined) {
    writeFileSync(values.html, renderHtmlTimeline(trace));
    process.stderr.write(`distlab trace: wrote ${values.html}\n`);
  }
  return 0;
}
