// Persistent storage as node code sees it. Values are cloned on the way in and out, so a node cannot
// change what is "on disk" by mutating an object it read or wrote earlier: only set() persists.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import type { Storage } from "./types.ts";

export class MemoryStorage implements Storage {
  protected readonly data = new Map<string, unknown>();

  get<T = unknown>(key: string): T | undefined {
    const value = this.data.get(key);
    return value === undefined ? undefined : (structuredClone(value) as T);
  }

  set(key: string, value: unknown): void {
    if (value === undefined)
      throw new TypeError(`storage.set("${key}", undefined): use storage.delete("${key}") to remove a key`);
    this.data.set(key, structuredClone(value));
  }

  delete(key: string): void {
    this.data.delete(key);
  }

  keys(): string[] {
    return [...this.data.keys()].sort();
  }

  /** A plain-object copy of everything stored, keys sorted (for inspection and state comparison). */
  snapshot(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of this.keys()) out[key] = structuredClone(this.data.get(key));
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
