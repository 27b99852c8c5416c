// distlab check FILE --model kv [--timeout S] [--html OUT] [--json]
// Checks a history file for linearizability. Exit codes: 0 ok, 1 illegal, 2 bad input, 3 unknown.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
// Imports name the checker's modules one by one rather than shared/check/index.ts, whose generators and
// benchmarks check does not need: bin/distlab.js loads this file natively (no tsx), so every module in
// its graph must be erasable TypeScript with relative imports, and each one costs start-up time.
import { HistoryError, readHistoryFile } from "../../../shared/check/history.ts";
import { checkHistory } from "../../../shared/check/linearizability.ts";
import type { CheckResult, Model, Operation } from "../../../shared/check/model.ts";
import { kvModel } from "../../../shared/check/models/kv.ts";

const MODELS: Record<string, Model<unknown, unknown, unknown>> = { kv: kvModel };

export const CHECK_USAGE = `usage: distlab check FILE [--model kv] [--timeout SECONDS] [--html OUT] [--json]

Checks that the history in FILE (JSON lines, one operation per line:
{"client":0,"call":10,"return":15,"input":{...},"output":{...}}) is linearizable.
Exit code: 0 ok, 1 illegal, 2 bad input, 3 unknown (timeout).`;

const EXIT = { ok: 0, illegal: 1, unknown: 3 } as const;

export async function checkCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        model: { type: "string", default: "kv" },
        timeout: { type: "string" },
        html: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${CHECK_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1)
    return usageError(
      positionals.length === 0 ? "missing the history FILE" : `expected one FILE, got ${positionals.length}`,
    );
  const file = positionals[0]!;
  const model = MODELS[values.model];
  if (model === undefined)
    return usageError(`unknown model "${values.model}" (known: ${Object.keys(MODELS).join(", ")})`);
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!(seconds > 0)) return usageError(`--timeout must be a positive number of seconds, got "${values.timeout}"`);
    timeoutMs = seconds * 1000;
  }

  const started = performance.now();
  let history: Operation[];
  try {
    history = readHistoryFile(file, model);
  } catch (error) {
    const problem =
      error instanceof HistoryError
        ? error.message
        : (error as NodeJS.ErrnoException).code === "ENOENT"
          ? "no such file"
          : (error as Error).message;
    process.stderr.write(`distlab check: ${file}: ${problem}\n`);
    return 2;
  }
  const result = checkHistory(model, history, timeoutMs === undefined ? {} : { timeoutMs });
  const elapsedMs = performance.now() - started;
  if (values.html !== undefined) {
    const { renderHistoryHtml } = await import("../../../shared/check/html.ts");
    writeFileSync(values.html, renderHistoryHtml(model, history, result, { title: `distlab check ${file}` }));
  }

  if (values.json) process.stdout.write(`${JSON.stringify(jsonReport(result, elapsedMs, values.html))}\n`);
  else process.stdout.write(humanReport(result, history, model, elapsedMs, values.html));
  return EXIT[result.result];
}

function usageError(message: string): number {
  process.stderr.write(`distlab check: ${message}\n\n${CHECK_USAGE}\n`);
  return 2;
}

function jsonReport(result: CheckResult, elapsedMs: number, html: string | undefined) {
  const illegal = result.partitions.filter((p) => p.result === "illegal");
  return {
    result: result.result,
    operations: result.operations,
    partitions: result.partitions.length,
    elapsed_ms: Math.round(elapsedMs * 10) / 10,
    check_ms: Math.round(result.elapsedMs * 10) / 10,
    illegal_partitions: illegal.map((p) => ({
      name: p.name,
      linearized_prefix: p.linearized.length,
      operations: p.operations.length,
      failed_at_operation: p.failedAt === undefined ? null : p.failedAt + 1,
    })),
    unknown_partitions: result.partitions.filter((p) => p.result === "unknown").map((p) => p.name),
    ...(html === undefined ? {} : { html }),
  };
}

function humanReport(
  result: CheckResult,
  history: Operation[],
  model: Model<unknown, unknown, unknown>,
  elapsedMs: number,
  html: string | undefined,
): string {
  const lines = [
    `${result.result.toUpperCase()}: ${result.operations} operations, ${result.partitions.length} partition(s), ${elapsedMs.toFixed(1)} ms`,
  ];
  for (const p of result.partitions) {
    if (p.result === "illegal") {
      const op = p.failedAt === undefined ? undefined : history[p.failedAt];
      const what =
        op === undefined
          ? ""
          : `: ${model.describeOperation?.(op.input, op.output) ?? JSON.stringify(op.input)} (operation #${(p.failedAt as number) + 1} in the file, client ${op.client}, call ${op.call}, return ${op.return}) cannot take effect in time`;
      lines.push(
        `  ${p.name}: not linearizable after ${p.linearized.length} of ${p.operations.length} operations${what}`,
      );
    }
  }
  const unknown = result.partitions.filter((p) => p.result === "unknown").length;
  if (unknown > 0) lines.push(`  ${unknown} partition(s) not decided before the timeout; try a larger --timeout`);
  if (html !== undefined) lines.push(`  timeline: ${html}`);
  return lines.join("\n") + "\n";
}
