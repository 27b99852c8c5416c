import { closeSync, fsyncSync, openSync } from "node:fs";
import { open, readFile, rename, rm, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { decodeFrames, encodeFrame, type LogRecord } from "./frame.ts";
import {
  applyRecord,
  checkCondition,
  emptyKeyspace,
  lookup,
  nextRevision,
  type Condition,
  type Entry,
  type Keyspace,
} from "./keyspace.ts";
import { todo } from "@distlab/kit/service";

export { VersionMismatch, type Condition, type Entry } from "./keyspace.ts";

export interface StoreOptions {
  /** Compact the log once it is larger than this many bytes (and mostly garbage). */
  compactBytes: number;
}

export const LOG_FILE = "kv.log";
const COMPACT_FILE = "kv.log.compact";

interface PendingWrite {
  frame: Buffer;
  version: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * A key-value store kept in memory and made durable by an append-only log. A write is acknowledged only
 * once its frame is on disk (fsync); concurrent writes share one fsync (group commit).
 */
export class Store {
  private readonly keyspace: Keyspace = emptyKeyspace();
  private sortedKeys: string[] | null = null;
  private durableRevision = 0;
  private logBytes = 0;
  private liveBytes = 0;
  private pending: PendingWrite[] = [];
  private flushing: Promise<void> | null = null;
  private durableWaiters: { revision: number; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private failure: unknown = null;
  private compactions = 0;
  private fsyncs = 0;
  private writes = 0;

  private constructor(
    private readonly dir: string,
    private file: FileHandle,
    private readonly options: StoreOptions,
  ) {}

  /** Opens the store in `dir`, replaying its log; a torn tail left by a crash is cut off. */
  static async open(dir: string, options: StoreOptions): Promise<Store> {
    return todo("TODO(lab01 §2): replay the log into memory, then cut off the torn tail before appending again — see labs/01-kv/README.md, step 2");
  }

  get stats() {
    return {
      keys: Object.keys(this.keyspace.entries).length,
      revision: this.keyspace.revision,
      logBytes: this.logBytes,
      compactions: this.compactions,
      fsyncs: this.fsyncs,
      writes: this.writes,
    };
  }

  /** The key's latest value, once every write accepted before this read is durable. */
  async get(key: string): Promise<Entry | undefined> {
    await this.durable(this.keyspace.revision);
    const entry = lookup(this.keyspace, key);
    return entry && { ...entry };
  }

  async put(key: string, value: string, condition: Condition = {}): Promise<Entry> {
    return todo("TODO(lab01 §4): check the condition, give the write the next revision, then make it durable — see labs/01-kv/README.md, step 4");
  }

  /** Deletes `key`; resolves to false when there was nothing to delete. */
  async delete(key: string, condition: Condition = {}): Promise<boolean> {
    return todo("TODO(lab01 §4): a delete is a write too: check, log, then forget the key — see labs/01-kv/README.md, step 4");
  }

  /** Up to `limit` entries whose key starts with `prefix` and sorts after `after`, in key order. */
  async list(prefix: string, after: string | undefined, limit: number): Promise<{ key: string; entry: Entry }[]> {
    return todo("TODO(lab01 §6): find the first key after the cursor in key order, then collect while the prefix matches — see labs/01-kv/README.md, step 6");
  }

  /** Stops taking writes, waits until every accepted write is durable, and closes the log. */
  async close(): Promise<void> {
    return todo("TODO(lab01 §8): flush what is pending, then close the file — see labs/01-kv/README.md, step 8");
  }

  /** Throws VersionMismatch when the key's current version does not satisfy the condition. */
  private check(key: string, condition: Condition): void {
    if (this.failure) throw this.failure;
    checkCondition(this.keyspace, key, condition);
  }

  /** Applies a record to the keyspace, keeping the live-size estimate and the sorted-keys cache up to date. */
  private apply(record: LogRecord): void {
    const previous = record.op === "revision" ? undefined : lookup(this.keyspace, record.key);
    applyRecord(this.keyspace, record);
    if (record.op === "revision") return;
    if (previous) this.liveBytes -= frameSize(record.key, previous);
    if (record.op === "put") {
      this.liveBytes += frameSize(record.key, record);
      if (!previous) this.sortedKeys = null;
    } else if (previous) {
      this.sortedKeys = null;
    }
  }

  private append(record: LogRecord): Promise<void> {
    return todo("TODO(lab01 §3): queue the frame; one flush writes and fsyncs every frame queued so far — see labs/01-kv/README.md, step 3");
  }

  private async flushLoop(): Promise<void> {
    return todo("TODO(lab01 §3): write the whole batch, fsync once, then acknowledge every write in it — see labs/01-kv/README.md, step 3");
  }

  /** Rewrites the log as one put per live key, then swaps it in atomically (write, fsync, rename, fsync dir). */
  private async compact(): Promise<void> {
    return todo("TODO(lab01 §7): write the live entries to a new file, fsync it, rename it over the log, fsync the folder — see labs/01-kv/README.md, step 7");
  }

  private async durable(revision: number): Promise<void> {
    if (this.durableRevision >= revision) return;
    if (this.failure && !this.flushing) throw this.failure;
    await new Promise<void>((resolve, reject) => this.durableWaiters.push({ revision, resolve, reject }));
  }

  private markDurable(revision: number): void {
    this.durableRevision = Math.max(this.durableRevision, revision);
    const waiting = this.durableWaiters;
    this.durableWaiters = [];
    for (const waiter of waiting) {
      if (waiter.revision <= this.durableRevision) waiter.resolve();
      else this.durableWaiters.push(waiter);
    }
  }

  private keysInOrder(): string[] {
    this.sortedKeys ??= Object.keys(this.keyspace.entries).sort();
    return this.sortedKeys;
  }
}

function frameSize(key: string, entry: Entry): number {
  return 64 + Buffer.byteLength(key) + Buffer.byteLength(entry.value);
}

function lowerBound(keys: string[], target: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (keys[mid]! < target) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** A rename is durable only once the folder that holds the name is fsynced too. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
