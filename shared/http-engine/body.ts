import { HeadError, type Framing } from "./head.ts";

/**
 * Reading a message body from the bytes of a connection, as they arrive, whatever its framing: a fixed
 * Content-Length, chunked transfer coding (RFC 9112 §7.1: hex size, optional extensions, data, CRLF, …,
 * a zero-size chunk, trailers, an empty line), or everything until the connection closes. The data is
 * handed out as it comes, never collected: a large body streams through in constant memory.
 */

/** What reading a body produces. `chunk` is valid only during the call (the buffer may be reused). */
export interface BodySink {
  onBodyData(chunk: Buffer): void;
  onBodyEnd(): void;
}

/** Where a chunked body is between two bytes (plain constants: the kit runs as erasable TypeScript). */
const Chunked = { Size: 0, Extension: 1, SizeLf: 2, Data: 3, DataCr: 4, DataLf: 5, Trailer: 6, TrailerLf: 7 } as const;
type ChunkedState = (typeof Chunked)[keyof typeof Chunked];

/** Longest chunk-size line we accept, extensions included; longest trailer section. */
const MAX_SIZE_LINE = 1024;
const MAX_TRAILERS = 16 * 1024;
/** 2^53: a chunk size past this cannot be a real length. */
const MAX_CHUNK_DIGITS = 13;

export class BodyReader {
  private remaining = 0;
  private state: ChunkedState = Chunked.Size;
  private digits = 0;
  private lineBytes = 0;
  private trailerBytes = 0;
  private trailerLineEmpty = true;
  done: boolean;
  private readonly framing: Framing;
  private readonly sink: BodySink;

  constructor(framing: Framing, sink: BodySink) {
    this.framing = framing;
    this.sink = sink;
    this.done = framing.kind === "none";
    if (framing.kind === "length") this.remaining = framing.length;
  }

  /**
   * Consumes body bytes of `bytes` from `start` to `end`; returns where the body ended (the next message
   * starts there) or `end` when all of them were body. Throws a HeadError (status 400) on a malformed
   * chunked body.
   */
  feed(bytes: Buffer, start: number, end: number): number {
    if (this.done) return start;
    switch (this.framing.kind) {
      case "length": {
        const take = Math.min(this.remaining, end - start);
        this.remaining -= take;
        if (take > 0) this.sink.onBodyData(bytes.subarray(start, start + take));
        if (this.remaining === 0) this.finish();
        return start + take;
      }
      case "close":
        if (end > start) this.sink.onBodyData(bytes.subarray(start, end));
        return end;
      case "chunked":
        return this.feedChunked(bytes, start, end);
      default:
        return start;
    }
  }

  /** The connection ended: a body delimited by the close ends here; any other is cut short (false). */
  closed(): boolean {
    if (this.done) return true;
    if (this.framing.kind !== "close") return false;
    this.finish();
    return true;
  }

  private finish(): void {
    this.done = true;
    this.sink.onBodyEnd();
  }

  private feedChunked(bytes: Buffer, start: number, end: number): number {
    let position = start;
    while (position < end && !this.done) {
      if (this.state === Chunked.Data) {
        const take = Math.min(this.remaining, end - position);
        this.sink.onBodyData(bytes.subarray(position, position + take));
        this.remaining -= take;
        position += take;
        if (this.remaining === 0) this.state = Chunked.DataCr;
        continue;
      }
      this.chunkedControl(bytes[position]!);
      position++;
    }
    return position;
  }

  /** One byte outside chunk data: sizes, extensions, line ends, trailers. */
  private chunkedControl(byte: number): void {
    switch (this.state) {
      case Chunked.Size: {
        const digit = hexValue(byte);
        if (digit >= 0) {
          if (++this.digits > MAX_CHUNK_DIGITS) throw new HeadError(400, "chunk size is too large");
          this.remaining = this.remaining * 16 + digit;
          this.lineBytes++;
          return;
        }
        if (this.digits === 0) throw new HeadError(400, "a chunk does not start with a hexadecimal size");
        if (byte === 0x3b) this.state = Chunked.Extension;
        else if (byte === 0x0d) this.state = Chunked.SizeLf;
        else throw new HeadError(400, `unexpected byte 0x${byte.toString(16)} after a chunk size`);
        return;
      }
      case Chunked.Extension:
        if (++this.lineBytes > MAX_SIZE_LINE) throw new HeadError(400, "chunk extensions are too long");
        if (byte === 0x0d) this.state = Chunked.SizeLf;
        else if (byte === 0x0a || byte === 0) throw new HeadError(400, "a control character in a chunk extension");
        return;
      case Chunked.SizeLf:
        expect(byte, 0x0a, "chunk size line");
        this.digits = 0;
        this.lineBytes = 0;
        if (this.remaining === 0) {
          this.state = Chunked.Trailer;
          this.trailerLineEmpty = true;
        } else this.state = Chunked.Data;
        return;
      case Chunked.DataCr:
        expect(byte, 0x0d, "chunk data");
        this.state = Chunked.DataLf;
        return;
      case Chunked.DataLf:
        expect(byte, 0x0a, "chunk data");
        this.state = Chunked.Size;
        return;
      default:
        this.trailerControl(byte);
    }
  }

  /** Trailer fields are read and dropped (nothing downstream asks for them); an empty line ends them. */
  private trailerControl(byte: number): void {
    if (++this.trailerBytes > MAX_TRAILERS) throw new HeadError(400, "the trailer section is too large");
    if (this.state === Chunked.TrailerLf) {
      expect(byte, 0x0a, "trailer line");
      if (this.trailerLineEmpty) return this.finish();
      this.state = Chunked.Trailer;
      this.trailerLineEmpty = true;
      return;
    }
    if (byte === 0x0d) {
      this.state = Chunked.TrailerLf;
      return;
    }
    if (byte === 0x0a) throw new HeadError(400, "a bare LF in the trailer section");
    this.trailerLineEmpty = false;
  }
}

function expect(byte: number, wanted: number, where: string): void {
  if (byte !== wanted)
    throw new HeadError(
      400,
      `expected ${wanted === 0x0a ? "LF" : "CR"} after the ${where}, got 0x${byte.toString(16)}`,
    );
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  return -1;
}

/** Frames `chunk` as one chunk of a chunked body (an empty chunk would end the body: the caller skips those). */
export function chunkHeader(length: number): string {
  return `${length.toString(16)}\r\n`;
}

export const LAST_CHUNK = "0\r\n\r\n";
