import type { BodySink } from "./body.ts";
import type { HeaderList, RequestHead } from "./head.ts";

/** What a request needs from the connection it arrived on. */
export interface RequestConnection {
  readonly remoteAddress: string;
  pauseReading(): void;
  resumeReading(): void;
  /** The handler is about to read the body: time to say `100 Continue` if the client waits for it. */
  bodyWanted(request: IncomingRequest): void;
}

/**
 * A request received by the engine's server: its head, parsed and checked, and its body, handed out as it
 * arrives once a reader asks for it (kept until then). Header names are lowercase.
 */
export class IncomingRequest implements BodySink {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: "1.0" | "1.1";
  /** [name, value, name, value, …] in the order received, names lowercased. */
  readonly headerList: HeaderList;
  readonly keepAlive: boolean;
  readonly expectContinue: boolean;
  /** Whether a body follows the head (Content-Length above 0, or chunked). */
  readonly hasBody: boolean;
  /** The body arrived whole (true at once for a request without one). */
  complete: boolean;
  /** The connection was lost before the body arrived whole. */
  aborted = false;
  private readonly connection: RequestConnection;
  private headerObject: Record<string, string> | undefined;
  private early: Buffer[] | undefined;
  private reader: { onData(chunk: Buffer): void; onEnd(): void; onAbort(error: Error): void } | undefined;

  constructor(head: RequestHead, connection: RequestConnection) {
    this.method = head.method;
    this.url = head.target;
    this.httpVersion = head.minor === 1 ? "1.1" : "1.0";
    this.headerList = head.headers;
    this.keepAlive = head.keepAlive;
    this.expectContinue = head.expectContinue;
    this.hasBody = head.framing.kind !== "none";
    this.complete = !this.hasBody;
    this.connection = connection;
  }

  get remoteAddress(): string {
    return this.connection.remoteAddress;
  }

  /** The value of header `name` (lowercase); repeated fields joined with ", ". */
  header(name: string): string | undefined {
    const list = this.headerList;
    let found: string | undefined;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === name) found = found === undefined ? list[i + 1] : `${found}, ${list[i + 1]}`;
    }
    return found;
  }

  /** Every header as an object (built on first use; `header(name)` is cheaper for one). */
  get headers(): Readonly<Record<string, string>> {
    if (this.headerObject) return this.headerObject;
    const object: Record<string, string> = Object.create(null) as Record<string, string>;
    const list = this.headerList;
    for (let i = 0; i < list.length; i += 2) {
      const name = list[i]!;
      const before = object[name];
      object[name] = before === undefined ? list[i + 1]! : `${before}, ${list[i + 1]}`;
    }
    return (this.headerObject = object);
  }

  /**
   * Reads the body: `onData` for each piece as it arrives (pieces that came before are handed over at
   * once), then `onEnd`; `onAbort` when the client goes away first. One reader per request.
   */
  readBodyStream(onData: (chunk: Buffer) => void, onEnd: () => void, onAbort: (error: Error) => void): void {
    if (this.reader) throw new Error("the request body is already being read");
    this.reader = { onData, onEnd, onAbort };
    const early = this.early;
    this.early = undefined;
    if (early) for (const chunk of early) onData(chunk);
    if (this.aborted) return onAbort(new Error("the client closed the connection before sending the whole body"));
    if (this.complete) return onEnd();
    this.connection.bodyWanted(this);
    this.connection.resumeReading();
  }

  /** The whole body, or "too-large" as soon as it passes `limit` bytes (the rest is not kept). */
  readBody(limit: number): Promise<Buffer | "too-large"> {
    const declared = Number(this.header("content-length") ?? 0);
    if (declared > limit) return Promise.resolve("too-large");
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let over = false;
      this.readBodyStream(
        (chunk) => {
          if (over) return;
          size += chunk.length;
          if (size > limit) {
            over = true;
            chunks.length = 0;
            resolve("too-large");
          } else chunks.push(chunk);
        },
        () => {
          if (!over) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
        },
        reject,
      );
    });
  }

  /** Stop the body for now (the consumer is full); `resume()` to go on. */
  pause(): void {
    this.connection.pauseReading();
  }

  resume(): void {
    this.connection.resumeReading();
  }

  onBodyData(chunk: Buffer): void {
    if (this.reader) return this.reader.onData(chunk);
    // Nobody reads yet: keep a copy (the bytes' buffer may be reused) and stop reading past a little.
    (this.early ??= []).push(Buffer.from(chunk));
    if (this.early.length > 16) this.connection.pauseReading();
  }

  onBodyEnd(): void {
    this.complete = true;
    this.reader?.onEnd();
  }

  /** The connection was lost (or the body was malformed) before the body ended. */
  abort(error: Error): void {
    if (this.complete || this.aborted) return;
    this.aborted = true;
    this.reader?.onAbort(error);
  }
}
