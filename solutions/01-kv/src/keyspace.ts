// What the store means, apart from how it survives crashes: which key holds which value at which version,
// and when a conditional write may go ahead. Plain data and pure functions, so the same rules serve this
// lab's durable store and any later lab that keeps the store somewhere else (Lab 05 replicates it).
import type { LogRecord } from "./frame.ts";

export interface Entry {
  value: string;
  version: number;
}

/** A write's precondition: `ifMatch` names the version the key must have, `ifAbsent` asks that it not exist. */
export interface Condition {
  ifMatch?: number;
  ifAbsent?: boolean;
}

/** A compare-and-set that lost: the key's current version is not the one the caller expected. */
export class VersionMismatch extends Error {
  constructor(
    readonly key: string,
    readonly current: number | null,
  ) {
    super(current === null ? `key '${key}' does not exist` : `key '${key}' is at version ${current}`);
    this.name = "VersionMismatch";
  }
}

/** Every live key with its entry, and the store-wide revision: plain data that can be cloned and compared. */
export interface Keyspace {
  /** The version of the latest write (deletes included); the next write gets `revision + 1`. */
  revision: number;
  entries: Record<string, Entry>;
}

export function emptyKeyspace(): Keyspace {
  return { revision: 0, entries: {} };
}

/** The key's entry. Keys are looked up as own properties, so a key such as `__proto__` is just a key. */
export function lookup(keyspace: Keyspace, key: string): Entry | undefined {
  return Object.hasOwn(keyspace.entries, key) ? keyspace.entries[key] : undefined;
}

/** The version the next write gets: one counter for the whole store, so a version is never given twice. */
export function nextRevision(keyspace: Keyspace): number {
  return keyspace.revision + 1;
}

/** Throws VersionMismatch when the key's current version does not satisfy the condition. */
export function checkCondition(keyspace: Keyspace, key: string, condition: Condition): void {
  // @solution §4 "compare the key's current version with what the condition expects"
  const current = lookup(keyspace, key);
  if (condition.ifAbsent && current) throw new VersionMismatch(key, current.version);
  if (condition.ifMatch !== undefined && current?.version !== condition.ifMatch) {
    throw new VersionMismatch(key, current?.version ?? null);
  }
  // @end
}

/** Applies one record (a new write, or one replayed from the log); the revision only moves forward. */
export function applyRecord(keyspace: Keyspace, record: LogRecord): void {
  keyspace.revision = Math.max(keyspace.revision, record.version);
  if (record.op === "put") {
    const entry: Entry = { value: record.value, version: record.version };
    Object.defineProperty(keyspace.entries, record.key, {
      value: entry,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else if (record.op === "delete") {
    delete keyspace.entries[record.key];
  }
}
