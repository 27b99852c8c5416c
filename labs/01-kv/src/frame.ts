import { crc32 } from "node:zlib";
import { todo } from "@distlab/kit/service";

/** What the log holds: one write per record. `version` is the store-wide revision the write created. */
export type LogRecord =
  | { op: "put"; key: string; value: string; version: number }
  | { op: "delete"; key: string; version: number }
  /** Written first by compaction, so the revision counter survives even when every key is deleted. */
  | { op: "revision"; version: number };

/** A frame is [payload length: u32 LE][CRC-32 of payload: u32 LE][payload: UTF-8 JSON]. */
export const FRAME_HEADER_BYTES = 8;

export function encodeFrame(record: LogRecord): Buffer {
  return todo("TODO(lab01 §1): encode a record as a frame: length, CRC-32, then the JSON payload — see labs/01-kv/README.md, step 1");
}

export interface DecodedLog {
  records: LogRecord[];
  /** Bytes from the start of the buffer that hold whole, intact frames; anything after is a torn tail. */
  validBytes: number;
}

/**
 * Reads frames from the start of `buffer` until the first one that is incomplete or fails its checksum:
 * a write torn by a crash can only be the last one, because nothing after it was ever acknowledged.
 */
export function decodeFrames(buffer: Buffer): DecodedLog {
  return todo("TODO(lab01 §2): read whole frames, stop at the first torn or corrupt one — see labs/01-kv/README.md, step 2");
}
