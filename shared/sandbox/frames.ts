// The node host's wire format: each frame is a 4-byte little-endian length, then a structured clone of
// the value (v8.serialize). Both ends run the same Node, so Maps, Sets, undefined and typed arrays cross
// as they are; functions and class identities do not, which is the point.
import { readSync, writeSync } from "node:fs";
import { deserialize, serialize } from "node:v8";

/** A frame larger than this is refused: a runaway value from the code under test must not exhaust memory. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

export class HostClosedError extends Error {
  override name = "HostClosedError";
}

export function encodeFrame(value: unknown): Buffer {
  const body = serialize(value);
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32LE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

export function writeFrame(fd: number, value: unknown): void {
  writeAll(fd, encodeFrame(value));
}

export function writeAll(fd: number, buffer: Buffer): void {
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

// Bytes read from each fd but not yet consumed: a read takes whatever has arrived, usually a whole frame.
const pending = new Map<number, { buffer: Buffer; start: number; end: number }>();

/** Blocks until a whole frame has arrived on `fd`; throws HostClosedError at end of stream. */
export function readFrame(fd: number): unknown {
  let state = pending.get(fd);
  if (!state) pending.set(fd, (state = { buffer: Buffer.alloc(256 * 1024), start: 0, end: 0 }));
  fill(fd, state, 4);
  const length = state.buffer.readUInt32LE(state.start);
  if (length > MAX_FRAME_BYTES) throw new Error(`a frame of ${length} bytes is over the ${MAX_FRAME_BYTES}-byte limit`);
  fill(fd, state, 4 + length);
  // A copy: the deserializer lets typed arrays in the value point into the buffer it was given.
  const value = deserialize(Buffer.from(state.buffer.subarray(state.start + 4, state.start + 4 + length)));
  state.start += 4 + length;
  if (state.start === state.end) state.start = state.end = 0;
  return value;
}

/** Reads until at least `needed` unconsumed bytes are buffered, growing or compacting the buffer as needed. */
function fill(fd: number, state: { buffer: Buffer; start: number; end: number }, needed: number): void {
  if (state.end - state.start >= needed) return;
  if (state.start + needed > state.buffer.length) {
    const size = Math.max(needed, state.buffer.length);
    const next = Buffer.alloc(needed > state.buffer.length ? Math.max(size, state.buffer.length * 2) : size);
    state.buffer.copy(next, 0, state.start, state.end);
    state.end -= state.start;
    state.start = 0;
    state.buffer = next;
  }
  while (state.end - state.start < needed) {
    let read: number;
    try {
      read = readSync(fd, state.buffer, state.end, state.buffer.length - state.end, null);
    } catch (error) {
      // A FIFO opened in non-blocking mode on the other side can surface EAGAIN: wait and read again.
      if ((error as NodeJS.ErrnoException).code === "EAGAIN") continue;
      throw error;
    }
    if (read === 0) throw new HostClosedError("the other end of the node host's channel closed");
    state.end += read;
  }
}

/** Forgets what was buffered for a closed fd (fd numbers are reused). */
export function forgetFd(fd: number): void {
  pending.delete(fd);
}
