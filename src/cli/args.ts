import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../lab/catalogue.ts";

export { UsageError };

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs with strict flags; a mistake becomes a UsageError that carries the command's usage line. */
export function parse<O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify.*$/s, "")}\nusage: ${usage}`);
  }
}

export function integerFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || number < min || number > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${value}'`);
  }
  return number;
}

export function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(", ")}, got '${value}'`);
  }
  return value as T;
}

export function onePositional(positionals: string[], what: string, usage: string): string {
  if (positionals.length !== 1) {
    throw new UsageError(`${positionals.length === 0 ? `missing ${what}` : `one ${what} only`}\nusage: ${usage}`);
  }
  return positionals[0]!;
}
