import { crc32 } from "node:zlib";

/** What the log holds: one write per record. `version` is the store-wide revision the write created. */
export type LogRecord =
  | { op: "put"; key: string; value: string; version: number }
  | { op: "delete"; key: string; version: number }
  /** Written first by compaction, so the revision counter survives even when every key is deleted. */
  | { op: "revision"; version: number };

/** A frame is [payload length: u32 LE][CRC-32 of payload: u32 LE][payload: UTF-8 JSON]. */
export const FRAME_HEADER_BYTES = 8;

export function encodeFrame(record: LogRecord): Buffer {
  // @solution §1 "encode a record as a frame: length, CRC-32, then the JSON payload"
  const payload = Buffer.from(JSON.stringify(record), "utf8");
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  payload.copy(frame, FRAME_HEADER_BYTES);
  return frame;
  // @end
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
  // @solution §2 "read whole frames, stop at the first torn or corrupt one"
  const records: LogRecord[] = [];
  let offset = 0;
  while (offset + FRAME_HEADER_BYTES <= buffer.length) {
    const length = buffer.readUInt32LE(offset);
    const checksum = buffer.readUInt32LE(offset + 4);
    const end = offset + FRAME_HEADER_BYTES + length;
    if (end > buffer.length) break;
    const payload = buffer.subarray(offset + FRAME_HEADER_BYTES, end);
    if (crc32(payload) !== checksum) break;
    let record: LogRecord;
    try {
      record = JSON.parse(payload.toString("utf8")) as LogRecord;
    } catch {
      break;
    }
    records.push(record);
    offset = end;
  }
  return { records, validBytes: offset };
  // @end
}
