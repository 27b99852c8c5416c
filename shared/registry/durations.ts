/**
 * Go durations as Consul reads and writes them: "10s", "1m30s", "500ms", "1.5h"; in JSON a number means
 * nanoseconds (Go's time.Duration). Everything inside the registry is milliseconds.
 */

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

export class DurationError extends Error {
  constructor(field: string, value: unknown) {
    super(`${field}: '${String(value)}' is not a duration (write it like 10s, 500ms or 1m30s)`);
    this.name = "DurationError";
  }
}

/** Parses a Go duration string to milliseconds; throws DurationError naming `field`. */
export function parseDuration(value: string, field = "duration"): number {
  const text = value.trim();
  if (text === "0") return 0;
  const negative = text.startsWith("-");
  const body = negative || text.startsWith("+") ? text.slice(1) : text;
  if (body === "") throw new DurationError(field, value);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < body.length) {
    const start = PART.lastIndex;
    const match = PART.exec(body);
    if (!match || match.index !== start) throw new DurationError(field, value);
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return negative ? -total : total;
}

/** A duration field of a request body: a string, or a number of nanoseconds; undefined stays undefined. */
export function durationField(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "number" && Number.isFinite(value)) return value / 1e6;
  if (typeof value === "string") return parseDuration(value, field);
  throw new DurationError(field, value);
}

/** Milliseconds as Go prints a duration: 15s, 1m0s, 1h0m0s, 250ms, 0s. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (Math.abs(ms) < 1000) return `${ms}ms`;
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms) / 1000;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const seconds = Number((rest - minutes * 60).toFixed(9));
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}
