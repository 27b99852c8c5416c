// Persistent storage as node code sees it. Values are cloned on the way in and out, so a node cannot
// change what is "on disk" by mutating an object it read or wrote earlier: only set() persists.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import type { Storage } from "./types.ts";

export interface MemoryStorageOptions {
  /**
   * Buffer writes until sync(), as an OS buffers them until fsync: reads see them at once, but
   * loseUnsynced() (a crash) forgets them. Off by default: every write is durable on its own.
   */
  buffered?: boolean;
}

/** A write not yet synced: the new value, or null for a delete. */
type PendingWrite = { value: unknown } | null;

/**
 * Stores a value nobody else holds (decoded from the node host's answer) without the copy set() makes.
 * Not part of the Storage node code sees.
 */
export const SET_OWNED = Symbol("distlab.setOwned");

export class MemoryStorage implements Storage {
  protected readonly data = new Map<string, unknown>();
  private readonly pending: Map<string, PendingWrite> | undefined;

  constructor(options: MemoryStorageOptions = {}) {
    this.pending = options.buffered === true ? new Map() : undefined;
  }

  /** True when writes wait for sync() to become durable. */
  get buffered(): boolean {
    return this.pending !== undefined;
  }

  /** How many keys have writes that a crash would lose now. */
  get unsyncedCount(): number {
    return this.pending?.size ?? 0;
  }

  get<T = unknown>(key: string): T | undefined {
    const write = this.pending?.get(key);
    if (write === null) return undefined;
    const value = write === undefined ? this.data.get(key) : write.value;
    return value === undefined ? undefined : (structuredClone(value) as T);
  }

  set(key: string, value: unknown): void {
    this.store(key, value, true);
  }

  [SET_OWNED](key: string, value: unknown): void {
    // A storage that does more on set() (writes a file, records an effect) keeps doing it.
    if (this.set !== MemoryStorage.prototype.set) return this.set(key, value);
    this.store(key, value, false);
  }

  private store(key: string, value: unknown, copy: boolean): void {
    if (value === undefined)
      throw new TypeError(`storage.set("${key}", undefined): use storage.delete("${key}") to remove a key`);
    const stored = copy ? structuredClone(value) : value;
    if (this.pending !== undefined) this.pending.set(key, { value: stored });
    else this.data.set(key, stored);
  }

  delete(key: string): void {
    if (this.pending !== undefined) this.pending.set(key, null);
    else this.data.delete(key);
  }

  keys(): string[] {
    const keys = new Set(this.data.keys());
    for (const [key, write] of this.pending ?? []) {
      if (write === null) keys.delete(key);
      else keys.add(key);
    }
    return [...keys].sort();
  }

  sync(): void {
    if (this.pending === undefined) return;
    for (const [key, write] of this.pending) {
      if (write === null) this.data.delete(key);
      else this.data.set(key, write.value);
    }
    this.pending.clear();
  }

  /** Forgets every write made since the last sync(): what a crash does to data that was never fsynced. */
  loseUnsynced(): void {
    this.pending?.clear();
  }

  /** A plain-object copy of everything stored, keys sorted (for inspection and state comparison). */
  snapshot(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of this.keys()) out[key] = this.get(key);
    return out;
  }
}

/**
 * Storage backed by one JSON file, rewritten on every change through a temporary file and a rename, so
 * a crash mid-write leaves either the old or the new file, never half of one. Values must be JSON data.
 */
export class JsonFileStorage extends MemoryStorage {
  constructor(readonly file: string) {
    super();
    if (existsSync(file)) {
      const parsed = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
      for (const [key, value] of Object.entries(parsed)) this.data.set(key, value);
    }
  }

  override set(key: string, value: unknown): void {
    super.set(key, value);
    this.flush();
  }

  override delete(key: string): void {
    super.delete(key);
    this.flush();
  }

  private flush(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.snapshot(), null, 2));
    renameSync(temporary, this.file);
  }
}
