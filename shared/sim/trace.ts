// Traces are structured data: one JSON object per event, serialised canonically (sorted keys, a fixed
// encoding for values JSON cannot hold) so that the same run always gives the same bytes and hash.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { TraceEvent, TraceHeader } from "./types.ts";

/** Serialises any structuredClone-able value to JSON with sorted object keys. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(toCanonical(value));
}

function toCanonical(value: unknown): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : { $number: String(value) };
  if (value === undefined) return null;
  if (typeof value === "bigint") return { $bigint: value.toString() };
  if (Array.isArray(value)) return value.map(toCanonical);
  if (value instanceof Map) return { $map: [...value].map(([k, v]) => [toCanonical(k), toCanonical(v)]) };
  if (value instanceof Set) return { $set: [...value].map(toCanonical) };
  if (value instanceof Date) return { $date: value.toISOString() };
  if (ArrayBuffer.isView(value))
    return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const field = (value as Record<string, unknown>)[key];
      if (field !== undefined) out[key] = toCanonical(field);
    }
    return out;
  }
  return { $unsupported: typeof value };
}

/**
 * Records events as canonical JSON lines. An event is serialised when the trace is first read (its lines,
 * hash or file), not when it happens: a run that passes is never written down, and most runs pass. So an
 * event must not change after it is recorded — the simulator records the copy of a message that travels,
 * which nobody changes — and `recordNow` fixes the line at once for a payload that might change.
 */
export class TraceRecorder {
  private readonly fixed: string[] = [];
  private readonly pending: TraceEvent[] = [];
  enabled: boolean;

  constructor(enabled = true) {
    this.enabled = enabled;
  }

  record(event: TraceEvent): void {
    if (this.enabled) this.pending.push(event);
  }

  /** Records an event whose payload may still change: serialised now. */
  recordNow(event: TraceEvent): void {
    if (!this.enabled) return;
    this.settle();
    this.fixed.push(canonicalJson(event));
  }

  /** Every event recorded so far, one canonical JSON line each. */
  get lines(): readonly string[] {
    this.settle();
    return this.fixed;
  }

  get length(): number {
    return this.fixed.length + this.pending.length;
  }

  events(): TraceEvent[] {
    return this.lines.map((line) => JSON.parse(line) as TraceEvent);
  }

  hash(): string {
    const hash = createHash("sha256");
    for (const line of this.lines) hash.update(line).update("\n");
    return hash.digest("hex");
  }

  toJsonLines(header: TraceHeader): string {
    return [canonicalJson(header), ...this.lines].join("\n") + "\n";
  }

  private settle(): void {
    if (this.pending.length === 0) return;
    for (const event of this.pending) this.fixed.push(canonicalJson(event));
    this.pending.length = 0;
  }

  write(file: string, header: TraceHeader): void {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, this.toJsonLines(header));
  }
}
