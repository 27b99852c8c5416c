import type { Socket } from "node:net";
import { BodyReader } from "./body.ts";
import { HeadError, LastHead, parseRequestHead, type HeadLimits, type RequestHead } from "./head.ts";
import { IncomingRequest, type RequestConnection } from "./request.ts";
import { OutgoingResponse, type ResponseConnection } from "./response.ts";

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly limits: HeadLimits & { maxHeadBytes: number; maxPipelined: number };
  readonly draining: boolean;
  handle(request: IncomingRequest, response: OutgoingResponse): void;
  closed(connection: ServerConnection): void;
}

const HEAD_END = Buffer.from("\r\n\r\n", "latin1");
const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";

/**
 * One client connection of the server: cuts the bytes into requests (a head, then its body), hands each
 * to the handler with its response, and writes the responses back in the order the requests came —
 * a pipelined request answered early waits, buffered, for the ones before it.
 */
export class ServerConnection implements RequestConnection, ResponseConnection {
  readonly socket: Socket;
  readonly remoteAddress: string;
  /** Responses not finished yet, oldest first; only the first one writes to the socket. */
  private readonly queue: OutgoingResponse[] = [];
  /** Output of queued responses that are not first yet. */
  private readonly held = new Map<OutgoingResponse, (Buffer | string)[]>();
  private readonly host: ConnectionHost;
  /** Bytes received and not parsed yet (an incomplete head, or requests past the pipelining limit). */
  private pending: Buffer | undefined;
  /** The request whose body is arriving. */
  private reading: { request: IncomingRequest; body: BodyReader } | undefined;
  /** No more requests are read: the connection ends after the responses in the queue. */
  private ending = false;
  private destroyed = false;
  private paused = false;
  /** performance.now() of the last activity, and of the first byte of a head still incomplete. */
  lastActivity = performance.now();
  headStartedAt = 0;
  /** The client's last request head: on a keep-alive connection the next one is often the same. */
  private readonly lastHead: LastHead<RequestHead>;

  constructor(socket: Socket, host: ConnectionHost) {
    this.socket = socket;
    this.host = host;
    this.remoteAddress = socket.remoteAddress ?? "unknown";
    this.lastHead = new LastHead((text) => parseRequestHead(text, host.limits));
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.received(chunk));
    socket.on("drain", () => this.queue[0]?.drained());
    socket.on("error", () => {});
    socket.on("close", () => this.lost());
  }

  /** Nothing in progress: no request being answered or read, no partial head. */
  get idle(): boolean {
    return this.queue.length === 0 && !this.reading && !this.pending;
  }

  private received(chunk: Buffer): void {
    this.lastActivity = performance.now();
    if (this.ending) return;
    const bytes = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    try {
      this.parse(bytes, 0);
    } catch (error) {
      if (!(error instanceof HeadError)) throw error;
      this.refuse(error);
    }
  }

  /** Reads requests from `bytes` from `position` on, as far as they go. */
  private parse(bytes: Buffer, position: number): void {
    const limits = this.host.limits;
    while (position < bytes.length) {
      if (this.reading) {
        const body = this.reading.body;
        position = body.feed(bytes, position, bytes.length);
        if (!body.done) return;
        // The handler may have answered (and ended the connection) from inside the body's last piece.
        if (this.reading?.body === body) this.reading = undefined;
        continue;
      }
      if (this.ending) return;
      if (this.queue.length >= limits.maxPipelined) return this.hold(bytes.subarray(position));
      // An empty line before a request line is tolerated (RFC 9112 §2.2).
      if (bytes[position] === 13 && bytes[position + 1] === 10) {
        position += 2;
        continue;
      }
      const end = bytes.indexOf(HEAD_END, position);
      if (end < 0 || end + 4 - position > limits.maxHeadBytes) {
        if (bytes.length - position > limits.maxHeadBytes || end >= 0)
          throw new HeadError(431, `the request head is larger than ${limits.maxHeadBytes} bytes`);
        if (this.headStartedAt === 0) this.headStartedAt = performance.now();
        return this.hold(bytes.subarray(position));
      }
      this.headStartedAt = 0;
      const head = this.lastHead.of(bytes.toString("latin1", position, end + 2));
      position = end + 4;
      const request = new IncomingRequest(head, this);
      if (request.hasBody) this.reading = { request, body: new BodyReader(head.framing, request) };
      if (!request.keepAlive) this.ending = true;
      this.dispatch(request);
    }
  }

  private hold(rest: Buffer): void {
    this.pending = rest.length > 0 ? rest : undefined;
    if (this.queue.length >= this.host.limits.maxPipelined) this.pauseReading();
  }

  private dispatch(request: IncomingRequest): void {
    const response = new OutgoingResponse(this, request.method, request.httpVersion === "1.0", request);
    this.queue.push(response);
    try {
      this.host.handle(request, response);
    } catch (error) {
      // A handler that throws answers 500 if it can, and does not take the connection's other requests down.
      if (response.headersSent) return this.destroy();
      if (!response.writableEnded) {
        response.closeConnection();
        response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        response.end(`the server failed on this request: ${(error as Error).message}\n`);
      }
    }
  }

  /** The head took too long to arrive (the server's sweep). */
  timedOut(error: HeadError): void {
    this.refuse(error);
  }

  /** A head that cannot be accepted: answer its status (after the responses before it) and hang up. */
  private refuse(error: HeadError): void {
    const reading = this.reading;
    this.reading = undefined;
    this.pending = undefined;
    this.ending = true;
    reading?.request.abort(error);
    const response = new OutgoingResponse(this, "GET", false, undefined);
    this.queue.push(response);
    const body = `${error.message}\n`;
    response.closeConnection();
    response.writeHead(error.status, { "content-type": "text/plain; charset=utf-8" }).end(body);
  }

  send(response: OutgoingResponse, data: Buffer | string): boolean {
    // The client is gone (or hung up its side): the answer has nowhere to go; say "go on" so that no
    // producer waits for a drain that will never come.
    if (this.destroyed || !this.socket.writable) return true;
    if (this.queue[0] !== response) {
      const held = this.held.get(response);
      if (held) held.push(data);
      else this.held.set(response, [data]);
      return true;
    }
    return typeof data === "string" ? this.socket.write(data, "latin1") : this.socket.write(data);
  }

  closesAfter(response: OutgoingResponse): boolean {
    if (this.host.draining) return true;
    const request = response.request;
    // A request whose body is not read whole: the rest of it cannot be told from the next request.
    return !request || !request.keepAlive || !request.complete;
  }

  finished(response: OutgoingResponse, close: boolean): void {
    const request = response.request;
    if (close || (request && !request.complete)) {
      this.ending = true;
      this.reading = undefined;
    }
    if (this.queue[0] === response) this.advance();
  }

  /** The first response finished: the next ones write what they held, in turn, and the socket may end. */
  private advance(): void {
    while (this.queue.length > 0 && this.queue[0]!.writableEnded) {
      const done = this.queue.shift()!;
      done.close(true);
      const next = this.queue[0];
      const held = next && this.held.get(next);
      if (held) {
        this.held.delete(next!);
        for (const data of held)
          if (typeof data === "string") this.socket.write(data, "latin1");
          else this.socket.write(data);
      }
    }
    this.lastActivity = performance.now();
    if (this.queue.length > 0) return;
    if (this.ending) {
      this.socket.end();
      return;
    }
    if (this.paused && this.pending) {
      const rest = this.pending;
      this.pending = undefined;
      this.resumeReading();
      try {
        this.parse(rest, 0);
      } catch (error) {
        if (!(error instanceof HeadError)) throw error;
        this.refuse(error);
      }
    }
  }

  bodyWanted(request: IncomingRequest): void {
    const response = this.queue[0];
    if (request.expectContinue && response?.request === request && !response.headersSent)
      this.socket.write(CONTINUE, "latin1");
  }

  pauseReading(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  resumeReading(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
  }

  /** Hangs up now, whatever is in progress. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.socket.destroy();
  }

  /** Ends the connection if nothing is in progress; else it ends after the current responses. */
  closeIfIdle(): boolean {
    if (this.idle) {
      this.destroy();
      return true;
    }
    this.ending = true;
    return false;
  }

  private lost(): void {
    this.destroyed = true;
    const reading = this.reading;
    this.reading = undefined;
    reading?.request.abort(new Error("the client closed the connection before sending the whole body"));
    for (const response of this.queue.splice(0)) response.close(false);
    this.held.clear();
    this.host.closed(this);
  }
}
