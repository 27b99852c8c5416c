import { connect, type Socket } from "node:net";
import { BodyReader, type BodySink } from "./body.ts";
import { HeadError, LastHead, parseResponseHead, statusHasNoBody, type HeaderList, type ResponseHead } from "./head.ts";

/** One request to send upstream. Header names lowercase; Host and framing headers are the engine's. */
export interface UpstreamRequest {
  method: string;
  path: string;
  /** [name, value, name, value, …]; must not hold host, content-length, transfer-encoding or connection. */
  headers: readonly string[];
  body: Buffer | null;
}

/** What the answer to an UpstreamRequest is handed to, as it arrives. */
export interface UpstreamHandler {
  /** The head of the final answer (1xx interim answers are skipped). */
  onHead(status: number, headers: HeaderList): void;
  /**
   * A piece of the body, lent for the call only (copy it to keep it; the engine's response.write copies);
   * return false to pause until `resume()`.
   */
  onData(chunk: Buffer): boolean;
  onEnd(): void;
  /**
   * No whole answer: `sent` is false only when the request certainly never left (no connection could be
   * made, or the request was refused before any byte was written).
   */
  onError(error: UpstreamError, sent: boolean): void;
}

export class UpstreamError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UpstreamError";
    this.code = code;
  }
}

/** The handle of a request in progress. */
export interface UpstreamCall {
  abort(reason: Error): void;
  resume(): void;
}

/** What a connection tells its pool. */
export interface ConnectionOwner {
  released(connection: UpstreamConnection): void;
  gone(connection: UpstreamConnection): void;
}

/** One buffer for every upstream read (the data is handed on or copied before the next read). */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const HEAD_END = Buffer.from("\r\n\r\n", "latin1");
const MAX_RESPONSE_HEAD = 64 * 1024;
const LIMITS = { maxHeaders: 200 };

/**
 * One keep-alive connection to an upstream, carrying one request at a time: writes the request, cuts the
 * answer out of the bytes that come back (head, then body by its framing), and goes back to its pool when
 * the answer ended cleanly and the upstream keeps the connection open.
 */
export class UpstreamConnection implements BodySink {
  readonly socket: Socket;
  connected = false;
  /** performance.now() after which this idle connection is not used any more. */
  idleUntil = 0;
  /** How long the upstream said it keeps an idle connection (`Keep-Alive: timeout=N`), in ms, if it did. */
  serverKeepAliveMs: number | undefined;
  private readonly owner: ConnectionOwner;
  private handler: UpstreamHandler | undefined;
  private isHead = false;
  private pending: Buffer | undefined;
  private head: ResponseHead | undefined;
  private body: BodyReader | undefined;
  /** A byte of the current request was written (for onError's `sent`). */
  private written = false;
  private dead = false;
  /** Counts the requests sent on this connection: a call's handle acts only on its own request. */
  generation = 0;
  /** The upstream's last answer head: its next one is often the same. */
  private readonly lastHead = new LastHead((text) => parseResponseHead(text, LIMITS));

  constructor(host: string, port: number, connectTimeoutMs: number, owner: ConnectionOwner) {
    this.owner = owner;
    this.socket = connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (length: number) => this.received(length) },
    });
    const timer = setTimeout(
      () => this.fail(new UpstreamError("UPSTREAM_CONNECT_TIMEOUT", `no connection within ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    this.socket.once("connect", () => {
      clearTimeout(timer);
      this.connected = true;
    });
    this.socket.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      this.fail(new UpstreamError(error.code ?? "UPSTREAM_SOCKET_ERROR", error.message, { cause: error }));
    });
    this.socket.on("close", () => {
      clearTimeout(timer);
      this.fail(new UpstreamError("UPSTREAM_CLOSED", "the upstream closed the connection before the answer ended"));
    });
  }

  get busy(): boolean {
    return this.handler !== undefined;
  }

  /** Sends `request` on this connection; the answer goes to `handler`. */
  send(request: UpstreamRequest, head: string, handler: UpstreamHandler): number {
    this.generation++;
    this.handler = handler;
    this.isHead = request.method === "HEAD";
    this.written = this.connected;
    if (request.body && request.body.length > 0) {
      const out = Buffer.allocUnsafe(head.length + request.body.length);
      out.write(head, 0, "latin1");
      request.body.copy(out, head.length);
      this.socket.write(out);
    } else this.socket.write(head, "latin1");
    // Written before the connection is up: it left only once the connection exists.
    if (!this.connected) this.socket.once("connect", () => (this.written = true));
    return this.generation;
  }

  private received(length: number): boolean {
    if (!this.handler) {
      // Bytes nobody asked for: the connection is no longer in step with the upstream.
      this.fail(new UpstreamError("UPSTREAM_PROTOCOL", "the upstream sent bytes without a request"));
      return false;
    }
    let bytes = READ_BUFFER.subarray(0, length);
    if (this.pending) {
      bytes = Buffer.concat([this.pending, bytes]);
      this.pending = undefined;
    }
    try {
      this.parse(bytes);
    } catch (error) {
      if (error instanceof HeadError)
        this.fail(new UpstreamError("UPSTREAM_PROTOCOL", `malformed answer from the upstream: ${error.message}`));
      else
        this.fail(
          new UpstreamError("UPSTREAM_HANDLER", `the answer's handler threw: ${(error as Error).message}`, {
            cause: error,
          }),
        );
    }
    return true;
  }

  private parse(bytes: Buffer): void {
    let position = 0;
    while (!this.head) {
      const end = bytes.indexOf(HEAD_END, position);
      if (end < 0) {
        if (bytes.length - position > MAX_RESPONSE_HEAD) throw new HeadError(400, "the answer's head is too large");
        this.pending = Buffer.from(bytes.subarray(position));
        return;
      }
      const head = this.lastHead.of(bytes.toString("latin1", position, end + 2));
      position = end + 4;
      if (head.status === 101) throw new HeadError(400, "the upstream switched protocols (101)");
      if (head.status < 200) continue;
      this.head = head;
      const framing = this.isHead || statusHasNoBody(head.status) ? { kind: "none" as const } : head.framing;
      this.body = new BodyReader(framing, this);
      this.handler!.onHead(head.status, head.headers);
      if (!this.handler) return;
    }
    const body = this.body!;
    // An answer without a body ends with its head.
    const used = body.done ? position : body.feed(bytes, position, bytes.length);
    if (body.done && this.handler && this.body === body) this.onBodyEnd();
    if (body.done && used < bytes.length) throw new HeadError(400, "bytes after the end of the answer");
  }

  onBodyData(chunk: Buffer): void {
    // Lent, not given: the bytes sit in the shared read buffer, valid during the call only.
    if (this.handler && !this.handler.onData(chunk)) this.socket.pause();
  }

  onBodyEnd(): void {
    const handler = this.handler!;
    const reusable = this.head!.keepAlive;
    this.serverKeepAliveMs = keepAliveHint(this.head!.headers);
    this.handler = undefined;
    this.head = undefined;
    this.body = undefined;
    if (reusable) this.owner.released(this);
    else this.close();
    handler.onEnd();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Gives up the request in progress: the connection cannot be used again. */
  abort(reason: Error): void {
    if (!this.handler) return this.close();
    this.fail(new UpstreamError("UPSTREAM_ABORTED", reason.message, { cause: reason }));
  }

  /** Ends the connection without a request in progress. */
  close(): void {
    if (this.dead) return;
    this.dead = true;
    this.socket.destroy();
    this.owner.gone(this);
  }

  private fail(error: UpstreamError): void {
    if (this.handler && this.body && error.code === "UPSTREAM_CLOSED" && this.body.closed()) {
      // An answer delimited by the close ended normally: onBodyEnd ran.
      return this.close();
    }
    const handler = this.handler;
    this.handler = undefined;
    this.close();
    handler?.onError(error, this.written || error.code === "UPSTREAM_ABORTED");
  }
}

/** The `timeout=N` of a Keep-Alive header, in ms: how long the upstream keeps an idle connection. */
function keepAliveHint(headers: readonly string[]): number | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] !== "keep-alive") continue;
    const seconds = /(?:^|[\s,])timeout=(\d+)/i.exec(headers[i + 1]!)?.[1];
    return seconds === undefined ? undefined : Number(seconds) * 1000;
  }
  return undefined;
}
