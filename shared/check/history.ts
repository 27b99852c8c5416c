// History files: JSON lines, one completed operation per line:
//   {"client":0,"call":10,"return":15,"input":{"op":"put","key":"a","value":"1"},"output":{}}
// Parsing is strict and says exactly what is wrong and on which (1-based) line, because a history
// usually comes from a student's test client and a silent misread would make the verdict meaningless.
//
// Parsing is on the critical path of `distlab check` (a 100k-operation history is 10 MB), so lines in
// the shape formatHistory writes go through a small scanner that builds the operation directly; any
// other line (extra spaces, escapes, nested values, another field order) goes through JSON.parse. The
// scanner accepts only text that JSON.parse reads the same way, so both paths agree on every line.
import { readFileSync } from "node:fs";
import type { Model, Operation } from "./model.ts";

export class HistoryError extends Error {
  override name = "HistoryError";
  readonly line: number;
  readonly problem: string;

  constructor(line: number, problem: string) {
    super(`line ${line}: ${problem}`);
    this.line = line;
    this.problem = problem;
  }
}

const FIELDS = ["client", "call", "return", "input", "output"];

export function readHistoryFile<I, O>(file: string, model?: Model<unknown, I, O>): Operation<I, O>[] {
  return parseHistory(readFileSync(file, "utf8"), model);
}

export function parseHistory<I, O>(text: string, model?: Model<unknown, I, O>): Operation<I, O>[] {
  const scanner = new LineScanner(text);
  const operations: Operation<I, O>[] = [];
  let line = 0;
  for (let start = 0; start <= text.length;) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    line++;
    const scanned = scanner.operation<I, O>(start, end);
    if (scanned !== undefined) operations.push(checked(scanned, line, model));
    else if (text.slice(start, end).trim() !== "") operations.push(parseLine(text.slice(start, end), line, model));
    start = end + 1;
  }
  return operations;
}

function parseLine<I, O>(text: string, line: number, model: Model<unknown, I, O> | undefined): Operation<I, O> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HistoryError(line, `not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new HistoryError(line, "expected a JSON object");
  const fields = value as Record<string, unknown>;
  for (const field of FIELDS) if (!(field in fields)) throw new HistoryError(line, `missing field "${field}"`);
  for (const field in fields)
    if (!FIELDS.includes(field))
      throw new HistoryError(line, `unknown field "${field}" (expected client, call, return, input, output)`);
  const operation = {
    client: fields["client"],
    call: fields["call"],
    return: fields["return"],
    input: fields["input"],
    output: fields["output"],
  } as Operation<I, O>;
  return checked(operation, line, model);
}

/** Checks field types (the parser only guarantees that the five fields exist) and returns the operation. */
function checked<I, O>(
  operation: Operation<I, O>,
  line: number,
  model: Model<unknown, I, O> | undefined,
): Operation<I, O> {
  const { client, call, input, output } = operation;
  const ret = operation.return;
  let problem: string | undefined;
  if (!Number.isSafeInteger(client) || client < 0)
    problem = `"client" must be a non-negative integer, got ${JSON.stringify(client)}`;
  else if (!Number.isSafeInteger(call)) problem = `"call" must be an integer, got ${JSON.stringify(call)}`;
  else if (ret !== null && !Number.isSafeInteger(ret))
    problem = `"return" must be an integer (or null for an unknown outcome), got ${JSON.stringify(ret)}`;
  else if (ret !== null && ret < call) problem = `"return" (${ret}) is before "call" (${call})`;
  else if (typeof input !== "object" || input === null) problem = `"input" must be an object`;
  else problem = model?.validate?.(input, output, ret === null);
  if (problem !== undefined) throw new HistoryError(line, problem);
  return operation;
}

/**
 * Reads lines in the shape formatHistory writes. Each method reads one token at the cursor, or gives up
 * by returning undefined: the line then goes to JSON.parse, which reads it or names the mistake.
 */
class LineScanner {
  private readonly text: string;
  private readonly names: string[] = [];
  private at = 0;
  private end = 0;

  constructor(text: string) {
    this.text = text;
  }

  operation<I, O>(start: number, end: number): Operation<I, O> | undefined {
    const text = this.text;
    if (!text.startsWith('{"client":', start)) return undefined;
    this.at = start + 10;
    this.end = end;
    const client = this.integer();
    if (client === undefined || !this.skip(',"call":')) return undefined;
    const call = this.integer();
    if (call === undefined || !this.skip(',"return":')) return undefined;
    const ret = this.skip("null") ? null : this.integer();
    if (ret === undefined || !this.skip(',"input":')) return undefined;
    const input = this.flatObject();
    if (input === undefined || !this.skip(',"output":')) return undefined;
    const output = this.skip("null") ? null : this.flatObject();
    if (output === undefined || !this.skip("}") || this.at !== end) return undefined;
    return { client, call, return: ret, input: input as I, output: output as O };
  }

  private skip(literal: string): boolean {
    if (!this.text.startsWith(literal, this.at)) return false;
    this.at += literal.length;
    return true;
  }

  /** An integer of at most 15 digits (exact as a double), without the leading zeros JSON forbids. */
  private integer(): number | undefined {
    const text = this.text;
    const negative = text.charCodeAt(this.at) === 0x2d; /* - */
    const first = negative ? this.at + 1 : this.at;
    let i = first;
    let value = 0;
    for (; i < this.end; i++) {
      const digit = text.charCodeAt(i) - 0x30;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
    }
    const digits = i - first;
    if (digits === 0 || digits > 15 || (digits > 1 && text.charCodeAt(first) === 0x30)) return undefined;
    this.at = i;
    return negative ? -value : value;
  }

  /** {"name": string | null | true | false, ...} */
  private flatObject(): Record<string, unknown> | undefined {
    if (!this.skip("{")) return undefined;
    const object: Record<string, unknown> = {};
    if (this.skip("}")) return object;
    for (;;) {
      let name = this.knownName();
      if (name === undefined && (name = this.string()) !== undefined && this.names.length < 16) this.names.push(name);
      if (name === undefined || name === "__proto__" || !this.skip(":")) return undefined;
      let value: unknown;
      if (this.skip("null")) value = null;
      else if (this.skip("true")) value = true;
      else if (this.skip("false")) value = false;
      else value = this.string();
      if (value === undefined) return undefined;
      object[name] = value;
      if (this.skip("}")) return object;
      if (!this.skip(",")) return undefined;
    }
  }

  /**
   * A field name seen before, without slicing it out of the text again: the same few names repeat on
   * every line, and reusing one string saves V8 from looking up each new copy among its property names.
   */
  private knownName(): string | undefined {
    for (const name of this.names) {
      if (
        this.text.charCodeAt(this.at + 1 + name.length) === 0x22 &&
        this.text.startsWith(name, this.at + 1) &&
        this.text.charCodeAt(this.at) === 0x22
      ) {
        this.at += name.length + 2;
        return name;
      }
    }
    return undefined;
  }

  /** A string literal without escapes or control characters (JSON forbids raw control characters). */
  private string(): string | undefined {
    const text = this.text;
    if (text.charCodeAt(this.at) !== 0x22 /* " */) return undefined;
    const first = this.at + 1;
    for (let i = first; i < this.end; i++) {
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        this.at = i + 1;
        return text.slice(first, i);
      }
      if (code === 0x5c /* \ */ || code < 0x20) return undefined;
    }
    return undefined;
  }
}

/** One JSON line per operation, in the given order. */
export function formatHistory(operations: readonly Operation[]): string {
  let out = "";
  for (const op of operations) {
    out += `{"client":${op.client},"call":${op.call},"return":${op.return},"input":${JSON.stringify(op.input)},"output":${JSON.stringify(op.output)}}\n`;
  }
  return out;
}
