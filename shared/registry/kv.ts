import { badRequest, RegistryError } from "./errors.ts";
import type { RegistryState } from "./state.ts";

/**
 * The key/value store, with Consul's rules: every write takes a new index (`ModifyIndex`), `cas=0` writes
 * only a missing key and `cas=N` only a key still at index N, `acquire`/`release` lock a key for a session
 * (`LockIndex` counts acquisitions), and deleted keys leave a tombstone so that a prefix's index never goes
 * backwards when a key under it disappears.
 */

export const MAX_VALUE_BYTES = 512 * 1024;

export interface KvEntry {
  key: string;
  value: Buffer;
  flags: number;
  createIndex: number;
  modifyIndex: number;
  lockIndex: number;
  session: string | undefined;
}

export interface WriteOptions {
  flags?: number;
  cas?: number;
  acquire?: string;
  release?: string;
}

export interface SessionView {
  exists(id: string): boolean;
}

export class KvStore {
  private readonly entries = new Map<string, KvEntry>();
  private readonly tombstones = new Map<string, number>();
  /** Keys whose lock a session held when it was invalidated: nobody may acquire them before this time. */
  private readonly lockDelays = new Map<string, number>();

  constructor(
    private readonly state: RegistryState,
    private readonly sessions: SessionView,
  ) {}

  get(key: string): KvEntry | undefined {
    return this.entries.get(key);
  }

  /** Entries whose key starts with `prefix`, sorted by key. */
  list(prefix: string): KvEntry[] {
    return [...this.entries.values()].filter((entry) => entry.key.startsWith(prefix)).sort(byKey);
  }

  /** Keys under `prefix`; with a separator, each key is cut after the first separator past the prefix. */
  keys(prefix: string, separator: string | undefined): string[] {
    const found = new Set<string>();
    for (const entry of this.list(prefix)) {
      const at = separator ? entry.key.indexOf(separator, prefix.length) : -1;
      found.add(at === -1 ? entry.key : entry.key.slice(0, at + separator!.length));
    }
    return [...found].sort();
  }

  /** The index a read of one key answers with: the whole store's, as Consul does. */
  tableIndex(): number {
    return this.state.tableIndex("kvs", "tombstones");
  }

  /** The index of what is under `prefix`, deleted keys included; the table's when nothing ever was. */
  prefixIndex(prefix: string): number {
    if (prefix === "") return this.tableIndex();
    let highest = 0;
    for (const entry of this.entries.values())
      if (entry.key.startsWith(prefix)) highest = Math.max(highest, entry.modifyIndex);
    for (const [key, index] of this.tombstones) if (key.startsWith(prefix)) highest = Math.max(highest, index);
    return highest || this.tableIndex();
  }

  /** The last change of one key (its write or its deletion); 0 if it never existed. */
  keyIndex(key: string): number {
    return this.entries.get(key)?.modifyIndex ?? this.tombstones.get(key) ?? 0;
  }

  /** PUT: true when written, false when a `cas` or lock condition refused it. */
  put(key: string, value: Buffer, options: WriteOptions): boolean {
    if (key === "") throw badRequest("Missing key name");
    if (value.length > MAX_VALUE_BYTES)
      throw new RegistryError(413, `Value of ${value.length} bytes exceeds the ${MAX_VALUE_BYTES} byte limit`);
    if (options.acquire !== undefined && options.release !== undefined)
      throw badRequest("Conflicting flags: acquire and release cannot be combined");
    const current = this.entries.get(key);
    if (options.cas !== undefined && (current?.modifyIndex ?? 0) !== options.cas) return false;
    let session = current?.session;
    let lockIndex = current?.lockIndex ?? 0;
    if (options.acquire !== undefined) {
      this.requireSession(options.acquire);
      if (session !== undefined && session !== options.acquire) return false;
      if (session === undefined && (this.lockDelays.get(key) ?? 0) > this.state.clock.now()) return false;
      if (session !== options.acquire) lockIndex += 1;
      session = options.acquire;
    } else if (options.release !== undefined) {
      this.requireSession(options.release);
      if (session !== options.release) return false;
      session = undefined;
    }
    const index = this.state.commit("kvs");
    this.entries.set(key, {
      key,
      value,
      flags: options.flags ?? current?.flags ?? 0,
      createIndex: current?.createIndex ?? index,
      modifyIndex: index,
      lockIndex,
      session,
    });
    this.tombstones.delete(key);
    return true;
  }

  /** DELETE one key (with `cas`, only at that index; `cas=0` never deletes) or a whole prefix. */
  delete(key: string, options: { recurse: boolean; cas?: number }): boolean {
    if (options.recurse) {
      const doomed = this.list(key);
      if (doomed.length === 0) return true;
      const index = this.state.commit("kvs", "tombstones");
      for (const entry of doomed) this.bury(entry.key, index);
      return true;
    }
    if (key === "") throw badRequest("Missing key name");
    const current = this.entries.get(key);
    if (options.cas !== undefined && (options.cas === 0 || current?.modifyIndex !== options.cas)) return false;
    if (!current) return true;
    this.bury(key, this.state.commit("kvs", "tombstones"));
    return true;
  }

  /**
   * A session ended: its locks are released (behavior "release") or its keys deleted ("delete"), and for
   * `lockDelayMs` nobody else may acquire them — the time a former holder needs to notice it lost them.
   */
  invalidateSession(id: string, behavior: "release" | "delete", lockDelayMs: number): void {
    const held = [...this.entries.values()].filter((entry) => entry.session === id);
    if (held.length === 0) return;
    const index = this.state.commit("kvs", "tombstones");
    const until = this.state.clock.now() + lockDelayMs;
    for (const entry of held) {
      if (lockDelayMs > 0) this.lockDelays.set(entry.key, until);
      if (behavior === "delete") this.bury(entry.key, index);
      else this.entries.set(entry.key, { ...entry, session: undefined, modifyIndex: index });
    }
  }

  private bury(key: string, index: number): void {
    this.entries.delete(key);
    this.tombstones.set(key, index);
  }

  private requireSession(id: string): void {
    if (!this.sessions.exists(id)) throw new RegistryError(500, `invalid session "${id}"`);
  }
}

function byKey(a: KvEntry, b: KvEntry): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** An entry as GET /v1/kv answers it: Value in base64 (null when empty), Session only when held. */
export function kvEntryJson(entry: KvEntry): Record<string, unknown> {
  return {
    LockIndex: entry.lockIndex,
    Key: entry.key,
    Flags: entry.flags,
    Value: entry.value.length === 0 ? null : entry.value.toString("base64"),
    ...(entry.session ? { Session: entry.session } : {}),
    CreateIndex: entry.createIndex,
    ModifyIndex: entry.modifyIndex,
  };
}
