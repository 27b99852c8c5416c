// History files: JSON lines, one completed operation per line:
//   {"client":0,"call":10,"return":15,"input":{"op":"put","key":"a","value":"1"},"output":{}}
// Parsing is strict and says exactly what is wrong and on which (1-based) line, because a history
// usually comes from a student's test client and a silent misread would make the verdict meaningless.
import { readFileSync } from "node:fs";
import type { Model, Operation } from "./model.ts";

export class HistoryError extends Error {
  override name = "HistoryError";
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

const FIELDS = new Set(["client", "call", "return", "input", "output"]);

export function readHistoryFile<I, O>(file: string, model?: Model<unknown, I, O>): Operation<I, O>[] {
  return parseHistory(readFileSync(file, "utf8"), model);
}

export function parseHistory<I, O>(text: string, model?: Model<unknown, I, O>): Operation<I, O>[] {
  const lines = text.split("\n");
  const lineNumbers: number[] = [];
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() === "") continue;
    kept.push(lines[i]!);
    lineNumbers.push(i + 1);
  }
  // One JSON.parse over the whole file is several times faster than one per line; only when it
  // fails do we parse line by line, to name the broken line.
  let values: unknown[];
  try {
    values = JSON.parse(`[${kept.join(",")}]`) as unknown[];
    if (values.length !== kept.length) throw new SyntaxError("a line holds more than one value");
  } catch {
    values = kept.map((line, i) => parseLine(line, lineNumbers[i]!));
  }
  return values.map((value, i) => validateOperation(value, lineNumbers[i]!, model));
}

function parseLine(line: string, lineNumber: number): unknown {
  try {
    return JSON.parse(line);
  } catch (error) {
    throw new HistoryError(lineNumber, `not valid JSON (${(error as Error).message})`);
  }
}

function validateOperation<I, O>(
  value: unknown,
  line: number,
  model: Model<unknown, I, O> | undefined,
): Operation<I, O> {
  const fail = (problem: string): never => {
    throw new HistoryError(line, problem);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("expected a JSON object");
  const op = value as Record<string, unknown>;
  for (const field of FIELDS) if (!(field in op)) fail(`missing field "${field}"`);
  for (const field in op)
    if (!FIELDS.has(field)) fail(`unknown field "${field}" (expected client, call, return, input, output)`);
  const { client, call } = op;
  const ret = op["return"];
  if (!Number.isSafeInteger(client) || (client as number) < 0)
    fail(`"client" must be a non-negative integer, got ${JSON.stringify(client)}`);
  if (!Number.isSafeInteger(call)) fail(`"call" must be an integer, got ${JSON.stringify(call)}`);
  if (ret !== null && !Number.isSafeInteger(ret))
    fail(`"return" must be an integer (or null for an unknown outcome), got ${JSON.stringify(ret)}`);
  if (ret !== null && (ret as number) < (call as number))
    fail(`"return" (${ret as number}) is before "call" (${call as number})`);
  if (typeof op["input"] !== "object" || op["input"] === null) fail(`"input" must be an object`);
  const problem = model?.validate?.(op["input"], op["output"], ret === null);
  if (problem !== undefined) fail(problem);
  return {
    client: client as number,
    call: call as number,
    return: ret as number | null,
    input: op["input"] as I,
    output: op["output"] as O,
  };
}

/** One JSON line per operation, in the given order. */
export function formatHistory(operations: readonly Operation[]): string {
  let out = "";
  for (const op of operations) {
    out += `{"client":${op.client},"call":${op.call},"return":${op.return},"input":${JSON.stringify(op.input)},"output":${JSON.stringify(op.output)}}\n`;
  }
  return out;
}
