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
    // @solution §2 "replay the log into memory, then cut off the torn tail before appending again"
    const path = join(dir, LOG_FILE);
    await rm(join(dir, COMPACT_FILE), { force: true });
    const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return Buffer.alloc(0);
      throw error;
    });
    const { records, validBytes } = decodeFrames(bytes);
    const file = await open(path, "a+");
    if (validBytes < bytes.length) {
      await file.truncate(validBytes);
      await file.datasync();
    }
    const store = new Store(dir, file, options);
    for (const record of records) store.apply(record);
    store.durableRevision = store.keyspace.revision;
    store.logBytes = validBytes;
    return store;
    // @end
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
    // @solution §4 "check the condition, give the write the next revision, then make it durable"
    this.check(key, condition);
    const record: LogRecord = { op: "put", key, value, version: nextRevision(this.keyspace) };
    this.apply(record);
    await this.append(record);
    return { value, version: record.version };
    // @end
  }

  /** Deletes `key`; resolves to false when there was nothing to delete. */
  async delete(key: string, condition: Condition = {}): Promise<boolean> {
    // @solution §4 "a delete is a write too: check, log, then forget the key"
    this.check(key, condition);
    if (!lookup(this.keyspace, key)) {
      await this.durable(this.keyspace.revision);
      return false;
    }
    const record: LogRecord = { op: "delete", key, version: nextRevision(this.keyspace) };
    this.apply(record);
    await this.append(record);
    return true;
    // @end
  }

  /** Up to `limit` entries whose key starts with `prefix` and sorts after `after`, in key order. */
  async list(prefix: string, after: string | undefined, limit: number): Promise<{ key: string; entry: Entry }[]> {
    // @solution §6 "find the first key after the cursor in key order, then collect while the prefix matches"
    await this.durable(this.keyspace.revision);
    const keys = this.keysInOrder();
    let index = lowerBound(keys, after === undefined || after < prefix ? prefix : after);
    if (index < keys.length && keys[index] === after) index++;
    const page: { key: string; entry: Entry }[] = [];
    for (; index < keys.length && page.length < limit; index++) {
      const key = keys[index]!;
      if (!key.startsWith(prefix)) break;
      page.push({ key, entry: { ...lookup(this.keyspace, key)! } });
    }
    return page;
    // @end
  }

  /** Stops taking writes, waits until every accepted write is durable, and closes the log. */
  async close(): Promise<void> {
    // @solution §8 "flush what is pending, then close the file"
    this.failure ??= new Error("the store is closed");
    while (this.flushing) await this.flushing;
    await this.file.close();
    // @end
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
    // @solution §3 "queue the frame; one flush writes and fsyncs every frame queued so far"
    return new Promise((resolve, reject) => {
      this.pending.push({ frame: encodeFrame(record), version: record.version, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
    // @end
  }

  private async flushLoop(): Promise<void> {
    // @solution §3 "write the whole batch, fsync once, then acknowledge every write in it"
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          const bytes = Buffer.concat(batch.map((write) => write.frame));
          await this.file.write(bytes);
          await this.file.datasync();
          this.fsyncs++;
          this.writes += batch.length;
          this.logBytes += bytes.length;
          this.markDurable(batch[batch.length - 1]!.version);
          for (const write of batch) write.resolve();
        } catch (error) {
          this.failure = error;
          for (const write of [...batch, ...this.pending.splice(0)]) write.reject(error);
          for (const waiter of this.durableWaiters.splice(0)) waiter.reject(error);
          return;
        }
        if (this.logBytes > this.options.compactBytes && this.logBytes > 2 * this.liveBytes) await this.compact();
      }
    } finally {
      this.flushing = null;
    }
    // @end
  }

  /** Rewrites the log as one put per live key, then swaps it in atomically (write, fsync, rename, fsync dir). */
  private async compact(): Promise<void> {
    // @solution §7 "write the live entries to a new file, fsync it, rename it over the log, fsync the folder"
    const path = join(this.dir, COMPACT_FILE);
    const frames: Buffer[] = [encodeFrame({ op: "revision", version: this.keyspace.revision })];
    for (const [key, entry] of Object.entries(this.keyspace.entries))
      frames.push(encodeFrame({ op: "put", key, ...entry }));
    const bytes = Buffer.concat(frames);
    const next = await open(path, "w");
    try {
      await next.write(bytes);
      await next.datasync();
    } finally {
      await next.close();
    }
    await rename(path, join(this.dir, LOG_FILE));
    syncDirectory(this.dir);
    await this.file.close();
    this.file = await open(join(this.dir, LOG_FILE), "a+");
    this.logBytes = bytes.length;
    this.compactions++;
    // @end
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
