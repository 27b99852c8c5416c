import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from "node:net";
import { ServerConnection, type ConnectionHost } from "./connection.ts";
import { HeadError } from "./head.ts";
import type { IncomingRequest } from "./request.ts";
import type { OutgoingResponse } from "./response.ts";

export type RequestHandler = (request: IncomingRequest, response: OutgoingResponse) => void;

export interface ServerOptions {
  /** Largest request head (request line and headers), in bytes: past it, 431. Default 16 KiB. */
  maxHeadBytes?: number;
  /** Most header fields in a request: past it, 431. Default 100. */
  maxHeaders?: number;
  /** Requests read ahead on one connection before their answers (pipelining). Default 16. */
  maxPipelined?: number;
  /** An idle keep-alive connection is closed after this long. Default 65 s. */
  keepAliveTimeoutMs?: number;
  /** A request head must arrive whole within this long: else 408 and the connection closes. Default 60 s. */
  headersTimeoutMs?: number;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * An HTTP/1.1 server on node:net: keep-alive, pipelining, Content-Length and chunked bodies, strict
 * parsing (a malformed request gets its 4xx and the connection closes). `close()` stops taking
 * connections; `drain()` also asks every connection to end after its current answers.
 */
export class Http1Server implements ConnectionHost {
  readonly limits: ConnectionHost["limits"];
  draining = false;
  private readonly handler: RequestHandler;
  private readonly listener: Server;
  private readonly connections = new Set<ServerConnection>();
  private readonly keepAliveTimeoutMs: number;
  private readonly headersTimeoutMs: number;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(handler: RequestHandler, options: ServerOptions = {}) {
    this.handler = handler;
    this.limits = {
      maxHeadBytes: positive("maxHeadBytes", options.maxHeadBytes, 16 * 1024),
      maxHeaders: positive("maxHeaders", options.maxHeaders, 100),
      maxPipelined: positive("maxPipelined", options.maxPipelined, 16),
    };
    this.keepAliveTimeoutMs = positive("keepAliveTimeoutMs", options.keepAliveTimeoutMs, 65_000);
    this.headersTimeoutMs = positive("headersTimeoutMs", options.headersTimeoutMs, 60_000);
    this.listener = createNetServer({ noDelay: true }, (socket: Socket) => {
      if (this.draining) return void socket.destroy();
      this.connections.add(new ServerConnection(socket, this));
    });
  }

  /** Listens on `port` (0: any free one) at `host`; resolves with the address. */
  listen(port: number, host = "127.0.0.1"): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.listener.once("error", reject);
      this.listener.listen(port, host, () => {
        this.listener.off("error", reject);
        this.sweeper = setInterval(() => this.sweep(), 1000);
        this.sweeper.unref();
        resolve(this.listener.address() as AddressInfo);
      });
    });
  }

  address(): AddressInfo | undefined {
    return (this.listener.address() as AddressInfo | null) ?? undefined;
  }

  /** Connections open now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  handle(request: IncomingRequest, response: OutgoingResponse): void {
    if (this.draining) response.closeConnection();
    this.handler(request, response);
  }

  closed(connection: ServerConnection): void {
    this.connections.delete(connection);
  }

  /** Stops accepting connections; the open ones go on. */
  close(): void {
    if (this.listener.listening) this.listener.close();
    clearInterval(this.sweeper);
  }

  /** Stops accepting, closes idle connections, and makes busy ones end after their current answers. */
  drain(): void {
    this.draining = true;
    this.close();
    for (const connection of [...this.connections]) connection.closeIfIdle();
  }

  /** Closes every connection now, busy or not. */
  closeAllConnections(): void {
    for (const connection of [...this.connections]) connection.destroy();
  }

  /** Once a second: idle keep-alive connections past their time, heads that take too long (408). */
  private sweep(): void {
    const now = performance.now();
    for (const connection of this.connections) {
      if (connection.idle && now - connection.lastActivity > this.keepAliveTimeoutMs) connection.destroy();
      else if (connection.headStartedAt > 0 && now - connection.headStartedAt > this.headersTimeoutMs)
        connection.timedOut(new HeadError(408, `the request head did not arrive within ${this.headersTimeoutMs} ms`));
    }
  }
}

export function createServer(handler: RequestHandler, options?: ServerOptions): Http1Server {
  return new Http1Server(handler, options);
}
