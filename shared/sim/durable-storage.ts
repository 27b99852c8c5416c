// A node's storage on disk for the live runtime: one append-only file of framed records, written and
// fsynced in batches (group commit): one fdatasync at a time runs on libuv's thread pool, and every write
// made meanwhile waits for the next one, together. Writes are visible to reads at once; a write is durable
// once a flush that covers it has returned from fdatasync. The live runtime holds a node's outgoing
// messages until every write made before them is durable, so nothing a node says can depend on state a
// crash would lose.
//
// A frame is [u32 payload length][u32 CRC-32 of the payload][payload]; the payload is [u32 key length][key,
// UTF-8][value], the value the V8 structured-clone serialization of what was set (empty for a delete):
// exactly what structuredClone keeps, so a value reads back as the simulator's MemoryStorage gives it. A
// torn or corrupt tail (a crash in the middle of a write) is cut off when the file is opened. The file is
// rewritten with only the live keys once it holds more than twice their size, so it does not grow without
// bound.
import { closeSync, fdatasync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { deserialize, serialize } from "node:v8";
import { crc32 } from "node:zlib";
import type { Storage } from "./types.ts";

const HEADER_BYTES = 8;
/** A write waiting for disk: the serialized frame, and the key's value as the frame says (undefined: deleted). */
interface Write {
  frame: Buffer;
  value: Buffer | undefined;
}

/** Storage whose writes become durable later, in batches, and that can say when they are. */
export interface GroupCommitStorage extends Storage {
  /** Runs `callback` once every write made so far is durable: at once when none is waiting. */
  afterDurable(callback: () => void): void;
  /** Forgets writes not yet handed to the disk and the callbacks waiting for them (a crash of the node). */
  loseUnflushed(): void;
  /** Makes every write so far durable, then closes the file. */
  close(): Promise<void>;
}

export function isGroupCommitStorage(storage: Storage): storage is GroupCommitStorage {
  return typeof (storage as Partial<GroupCommitStorage>).afterDurable === "function";
}

export interface DurableStorageOptions {
  /** Rewrite the file once it is larger than twice the live data plus this many bytes (default 4 MiB). */
  compactSlackBytes?: number;
}

export interface DurableStorageStats {
  /** Bytes in the file now. */
  fileBytes: number;
  /** Flushes that reached the disk (one fdatasync each). */
  fsyncs: number;
  /** Writes made durable; more than `fsyncs` when writes shared a flush. */
  durableWrites: number;
  compactions: number;
}

function encodeFrame(key: string, value: Buffer | undefined): Buffer {
  const keyBytes = Buffer.from(key, "utf8");
  const payloadLength = 4 + keyBytes.length + (value?.length ?? 0);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payloadLength);
  frame.writeUInt32LE(payloadLength, 0);
  frame.writeUInt32LE(keyBytes.length, HEADER_BYTES);
  keyBytes.copy(frame, HEADER_BYTES + 4);
  value?.copy(frame, HEADER_BYTES + 4 + keyBytes.length);
  frame.writeUInt32LE(crc32(frame.subarray(HEADER_BYTES)), 4);
  return frame;
}

function frameBytes(key: string, value: Buffer): number {
  return HEADER_BYTES + 4 + Buffer.byteLength(key) + value.length;
}

/** The records of a file up to its first torn or corrupt frame, and where the good part ends. */
function decodeFile(bytes: Buffer): { entries: Map<string, Buffer>; validBytes: number } {
  const entries = new Map<string, Buffer>();
  let offset = 0;
  while (offset + HEADER_BYTES <= bytes.length) {
    const length = bytes.readUInt32LE(offset);
    const end = offset + HEADER_BYTES + length;
    if (end > bytes.length) break;
    const payload = bytes.subarray(offset + HEADER_BYTES, end);
    if (crc32(payload) !== bytes.readUInt32LE(offset + 4)) break;
    const keyLength = payload.length >= 4 ? payload.readUInt32LE(0) : Infinity;
    if (4 + keyLength > payload.length) break;
    const key = payload.toString("utf8", 4, 4 + keyLength);
    const value = payload.subarray(4 + keyLength);
    if (value.length === 0) entries.delete(key);
    else entries.set(key, Buffer.from(value));
    offset = end;
  }
  return { entries, validBytes: offset };
}

export class DurableStorage implements GroupCommitStorage {
  /** Values on disk (serialized), as of the last completed flush. */
  private readonly durable: Map<string, Buffer>;
  /** Writes handed to the disk by the flush in progress. */
  private inflight = new Map<string, Write>();
  /** Writes not handed to the disk yet. */
  private pending = new Map<string, Write>();
  private writeSeq = 0;
  private durableSeq = 0;
  /** The writeSeq the flush in progress makes durable. */
  private inflightSeq = 0;
  /** Bytes the durable keys would take in a freshly written file. */
  private liveBytes = 0;
  private waiting: { seq: number; callback: () => void }[] = [];
  private scheduled = false;
  /** A batch is on its way to the disk (written, fdatasync not returned yet). */
  private flushing = false;
  private fd: number | undefined;
  private closed = false;
  private failure: Error | undefined;
  private readonly slack: number;
  private readonly counters: DurableStorageStats;

  /** Opens (or creates) the file, cutting off a torn tail. */
  constructor(
    readonly file: string,
    options: DurableStorageOptions = {},
  ) {
    this.slack = options.compactSlackBytes ?? 4 * 1024 * 1024;
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      bytes = Buffer.alloc(0);
    }
    const { entries, validBytes } = decodeFile(bytes);
    this.durable = entries;
    for (const [key, value] of entries) this.liveBytes += frameBytes(key, value);
    if (validBytes < bytes.length) {
      const fd = openSync(file, "r+");
      ftruncateSync(fd, validBytes);
      fsyncSync(fd);
      closeSync(fd);
    }
    this.counters = { fileBytes: validBytes, fsyncs: 0, durableWrites: 0, compactions: 0 };
  }

  get stats(): DurableStorageStats {
    return { ...this.counters };
  }

  get<T = unknown>(key: string): T | undefined {
    const write = this.pending.get(key) ?? this.inflight.get(key);
    const bytes = write === undefined ? this.durable.get(key) : write.value;
    return bytes === undefined ? undefined : (deserialize(bytes) as T);
  }

  set(key: string, value: unknown): void {
    if (value === undefined)
      throw new TypeError(`storage.set("${key}", undefined): use storage.delete("${key}") to remove a key`);
    let bytes: Buffer;
    try {
      bytes = serialize(value);
    } catch (error) {
      throw new TypeError(`storage.set("${key}"): the value cannot be stored (${(error as Error).message})`, {
        cause: error,
      });
    }
    this.write(key, bytes);
  }

  delete(key: string): void {
    // Whether the key holds a value, without deserializing it: a snapshot deletes a thousand log entries.
    const write = this.pending.get(key) ?? this.inflight.get(key);
    const present = write === undefined ? this.durable.has(key) : write.value !== undefined;
    if (present) this.write(key, undefined);
  }

  keys(): string[] {
    const keys = new Set(this.durable.keys());
    for (const layer of [this.inflight, this.pending]) {
      for (const [key, write] of layer) {
        if (write.value === undefined) keys.delete(key);
        else keys.add(key);
      }
    }
    return [...keys].sort();
  }

  /** Starts a flush of every write so far; the runtime's afterDurable() says when it is done. */
  sync(): void {
    this.schedule();
  }

  afterDurable(callback: () => void): void {
    this.throwIfFailed();
    if (this.durableSeq === this.writeSeq) return callback();
    this.waiting.push({ seq: this.writeSeq, callback });
    this.schedule();
  }

  /** Resolves once every write made before the call is durable. */
  flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        this.afterDurable(resolve);
      } catch (error) {
        reject(error);
      }
    });
  }

  loseUnflushed(): void {
    this.pending.clear();
    this.waiting = [];
    // The batch being synced was handed to the disk: it stays, and becomes durable when the sync returns.
    this.writeSeq = this.flushing ? this.inflightSeq : this.durableSeq;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private write(key: string, value: Buffer | undefined): void {
    this.throwIfFailed();
    if (this.closed) throw new Error(`storage ${this.file} is closed`);
    this.writeSeq++;
    this.pending.set(key, { frame: encodeFrame(key, value), value });
    this.schedule();
  }

  private throwIfFailed(): void {
    if (this.failure) throw new Error(`storage ${this.file} cannot write to disk: ${this.failure.message}`);
  }

  /** Flushes on the next turn of the event loop, so every handler of this turn shares one fsync. */
  private schedule(): void {
    if (this.scheduled || this.flushing || this.pending.size === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startFlush();
    });
  }

  /**
   * Writes the batch (into the page cache: microseconds) and has libuv's thread pool fdatasync it. The
   * event loop goes on meanwhile — a node's process also answers clients, and other nodes' messages keep
   * arriving — and the writes made during the sync wait together for the next one: one flush in flight,
   * the next batch growing behind it (group commit).
   */
  private startFlush(): void {
    if (this.flushing || this.pending.size === 0) return;
    this.inflight = this.pending;
    this.pending = new Map();
    this.inflightSeq = this.writeSeq;
    this.flushing = true;
    let fd: number;
    try {
      fd = this.writeOut(this.inflight);
    } catch (error) {
      this.failure = error as Error;
      return;
    }
    fdatasync(fd, (error) => {
      this.flushing = false;
      if (error) {
        this.failure = error;
        return;
      }
      this.counters.fsyncs++;
      this.counters.durableWrites += this.inflight.size;
      this.finishFlush();
    });
  }

  /** Appends the batch's frames to the file; returns the file descriptor to sync. */
  private writeOut(writes: Map<string, Write>): number {
    const fd = (this.fd ??= openSync(this.file, "a"));
    const frames = [...writes.values()].map((write) => write.frame);
    const bytes = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
    writeSync(fd, bytes);
    this.counters.fileBytes += bytes.length;
    return fd;
  }

  private finishFlush(): void {
    for (const [key, write] of this.inflight) {
      const before = this.durable.get(key);
      if (before !== undefined) this.liveBytes -= frameBytes(key, before);
      if (write.value === undefined) this.durable.delete(key);
      else {
        this.durable.set(key, write.value);
        this.liveBytes += frameBytes(key, write.value);
      }
    }
    this.inflight = new Map();
    this.durableSeq = this.inflightSeq;
    if (this.counters.fileBytes > 2 * this.liveBytes + this.slack) this.compact();
    const ready = this.waiting.filter((entry) => entry.seq <= this.durableSeq);
    this.waiting = this.waiting.filter((entry) => entry.seq > this.durableSeq);
    for (const entry of ready) entry.callback();
    this.schedule();
  }

  /** Rewrites the file with the durable keys only: a temp file, fsync, rename, fsync of the folder. */
  private compact(): void {
    const temporary = `${this.file}.compact`;
    const frames = [...this.durable].map(([key, value]) => encodeFrame(key, value));
    const bytes = Buffer.concat(frames);
    const fd = openSync(temporary, "w");
    writeSync(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    renameSync(temporary, this.file);
    const dir = openSync(dirname(this.file), "r");
    fsyncSync(dir);
    closeSync(dir);
    this.counters.fileBytes = bytes.length;
    this.counters.compactions++;
  }
}
