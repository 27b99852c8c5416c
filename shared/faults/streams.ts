/**
 * Byte streams that slow data down: a bandwidth cap and a fixed delay. Both proxies put them in the
 * path of a body or of a TCP direction.
 */
import { Transform } from "node:stream";
import type { TransformCallback } from "node:stream";

/** Slices handed on per second at most: small enough to look smooth, large enough to stay cheap. */
const SLICES_PER_SECOND = 20;

/**
 * Lets bytes through at `bytesPerSecond` at most. A slice of n bytes leaves n / rate seconds after
 * the previous one left (or after it arrived, if the line was idle), so N bytes never take less than
 * N / rate seconds, and idle time is not saved up for a later burst.
 */
export class Throttle extends Transform {
  readonly #bytesPerSecond: number;
  readonly #sliceBytes: number;
  #lineFreeAt = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(bytesPerSecond: number) {
    super();
    if (!(bytesPerSecond >= 1)) throw new RangeError(`bytesPerSecond must be at least 1, got ${bytesPerSecond}`);
    this.#bytesPerSecond = bytesPerSecond;
    this.#sliceBytes = Math.max(1, Math.floor(bytesPerSecond / SLICES_PER_SECOND));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#sendFrom(chunk, 0, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.#timer);
    callback(error);
  }

  #sendFrom(chunk: Buffer, offset: number, callback: TransformCallback): void {
    if (offset >= chunk.length) {
      callback();
      return;
    }
    const slice = chunk.subarray(offset, offset + this.#sliceBytes);
    this.#lineFreeAt = Math.max(this.#lineFreeAt, performance.now()) + (slice.length / this.#bytesPerSecond) * 1000;
    this.#waitUntil(this.#lineFreeAt, () => {
      this.push(slice);
      this.#sendFrom(chunk, offset + slice.length, callback);
    });
  }

  /** Timers may fire a little early by the monotonic clock; wait again until the deadline really passed. */
  #waitUntil(deadline: number, then: () => void): void {
    if (this.destroyed) return;
    const wait = deadline - performance.now();
    if (wait <= 0) {
      then();
      return;
    }
    this.#timer = setTimeout(() => this.#waitUntil(deadline, then), Math.ceil(wait));
  }
}

/**
 * Hands every chunk on `delayMs` after it arrived, in order (the delay is the same for every chunk).
 * It does not slow the sender down: like a long cable, it holds whatever is in flight.
 */
export class Delay extends Transform {
  readonly #delayMs: number;
  readonly #inFlight = new Set<NodeJS.Timeout>();
  #onEmpty: (() => void) | undefined;

  constructor(delayMs: number) {
    super();
    this.#delayMs = delayMs;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const timer = setTimeout(() => {
      this.#inFlight.delete(timer);
      this.push(chunk);
      if (this.#inFlight.size === 0) this.#onEmpty?.();
    }, this.#delayMs);
    this.#inFlight.add(timer);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.#inFlight.size === 0) callback();
    else this.#onEmpty = () => callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    for (const timer of this.#inFlight) clearTimeout(timer);
    this.#inFlight.clear();
    callback(error);
  }
}
