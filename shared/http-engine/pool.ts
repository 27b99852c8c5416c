import { isSendableName, isSendableValue } from "./fields.ts";
import { isTarget, type HeaderList } from "./head.ts";
import {
  UpstreamConnection,
  UpstreamError,
  type ConnectionOwner,
  type UpstreamCall,
  type UpstreamHandler,
  type UpstreamRequest,
} from "./upstream.ts";

export interface PoolOptions {
  /** Most connections open at once; requests past them wait in order. Default 16. */
  connections?: number;
  /** Default 2 s. */
  connectTimeoutMs?: number;
  /** An idle connection is closed after this long. Default 30 s (below the usual server's 60 s+). */
  keepAliveTimeoutMs?: number;
}

/** Framing and hop-by-hop headers the pool writes itself: a caller's copies would break the message. */
const OWN_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade"]);

/** Pools whose idle connections the sweep looks at, once a second. */
const pools = new Set<Http1Pool>();
let sweeper: NodeJS.Timeout | undefined;

function sweepIdle(): void {
  const now = performance.now();
  for (const pool of pools) pool.closeIdleSince(now);
}

interface Waiting {
  request: UpstreamRequest;
  head: string;
  handler: UpstreamHandler;
  call: Call;
}

/**
 * The handle of one request: it acts on its own request only — never on a later one that reuses the
 * connection — and, while the request waits for a connection, aborting takes it out of the line.
 */
class Call implements UpstreamCall {
  private connection: UpstreamConnection | undefined;
  private generation = 0;
  private aborted = false;
  private readonly pool: Http1Pool;

  constructor(pool: Http1Pool) {
    this.pool = pool;
  }

  start(connection: UpstreamConnection, request: UpstreamRequest, head: string, handler: UpstreamHandler): void {
    this.connection = connection;
    this.generation = connection.send(request, head, handler);
  }

  abort(reason: Error): void {
    if (this.connection) {
      if (this.connection.generation === this.generation && this.connection.busy) this.connection.abort(reason);
      return;
    }
    if (this.aborted) return;
    this.aborted = true;
    this.pool.dropWaiting(this, reason);
  }

  resume(): void {
    if (this.connection?.generation === this.generation) this.connection.resume();
  }
}

/**
 * Keep-alive connections to one upstream (`host:port`): a request takes an idle connection, or opens a
 * new one while fewer than `connections` are open, or waits its turn. A connection goes back to the
 * pool when its answer ended cleanly, and is closed after `keepAliveTimeoutMs` unused.
 */
export class Http1Pool implements ConnectionOwner {
  readonly host: string;
  readonly port: number;
  private readonly hostHeader: string;
  private readonly maxConnections: number;
  private readonly connectTimeoutMs: number;
  private readonly keepAliveTimeoutMs: number;
  private readonly idle: UpstreamConnection[] = [];
  private readonly open = new Set<UpstreamConnection>();
  private readonly waiting: Waiting[] = [];
  private closing: (() => void) | undefined;
  private closed = false;

  constructor(origin: string | URL, options: PoolOptions = {}) {
    const url = typeof origin === "string" ? new URL(origin) : origin;
    if (url.protocol !== "http:") throw new Error(`the pool speaks plain HTTP/1.1: ${url.protocol} is not supported`);
    this.host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    this.port = Number(url.port || 80);
    this.hostHeader = url.host;
    this.maxConnections = positive("connections", options.connections, 16);
    this.connectTimeoutMs = positive("connectTimeoutMs", options.connectTimeoutMs, 2000);
    this.keepAliveTimeoutMs = positive("keepAliveTimeoutMs", options.keepAliveTimeoutMs, 30_000);
    pools.add(this);
    if (!sweeper) {
      sweeper = setInterval(sweepIdle, 1000);
      sweeper.unref();
    }
  }

  /** Connections open now, busy or idle. */
  get connectionCount(): number {
    return this.open.size;
  }

  /** Sends `request`; its answer goes to `handler`. Throws (nothing sent) on a header that cannot be sent. */
  dispatch(request: UpstreamRequest, handler: UpstreamHandler): UpstreamCall {
    if (this.closed) throw new UpstreamError("UPSTREAM_POOL_CLOSED", "the pool is closed");
    const head = this.serialize(request);
    const call = new Call(this);
    const connection = this.takeIdle() ?? (this.open.size < this.maxConnections ? this.connect() : undefined);
    if (connection) call.start(connection, request, head, handler);
    else this.waiting.push({ request, head, handler, call });
    return call;
  }

  /** A GET (or other request) whose whole answer is wanted: health checks, tools. */
  request(
    request: Partial<UpstreamRequest> & { path: string },
    timeoutMs: number,
  ): Promise<{ status: number; headers: HeaderList; body: Buffer }> {
    return new Promise((resolve, reject) => {
      let status = 0;
      let headers: HeaderList = [];
      const chunks: Buffer[] = [];
      const call = this.dispatch(
        {
          method: request.method ?? "GET",
          path: request.path,
          headers: request.headers ?? [],
          body: request.body ?? null,
        },
        {
          onHead: (answerStatus, answerHeaders) => {
            status = answerStatus;
            headers = answerHeaders;
          },
          onData: (chunk) => chunks.push(Buffer.from(chunk)) > 0,
          onEnd: () => {
            clearTimeout(timer);
            resolve({ status, headers, body: Buffer.concat(chunks) });
          },
          onError: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        },
      );
      const timer = setTimeout(
        () => call.abort(new UpstreamError("UPSTREAM_TIMEOUT", `no whole answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
  }

  /** The request line and headers, with Host and the framing of the body. */
  private serialize(request: UpstreamRequest): string {
    if (!isSendableName(request.method))
      throw new UpstreamError("UPSTREAM_BAD_REQUEST", `invalid method ${JSON.stringify(request.method)}`);
    if (!isTarget(request.path))
      throw new UpstreamError("UPSTREAM_BAD_REQUEST", `invalid request target ${JSON.stringify(request.path)}`);
    let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n`;
    const headers = request.headers;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      const value = headers[i + 1]!;
      if (OWN_HEADERS.has(name)) continue;
      if (!isSendableValue(value) || !isSendableName(name))
        throw new UpstreamError("UPSTREAM_BAD_REQUEST", `header ${JSON.stringify(name)} cannot be sent as it is`);
      head += `${name}: ${value}\r\n`;
    }
    const length = request.body?.length ?? 0;
    if (length > 0 || !(request.method === "GET" || request.method === "HEAD")) head += `content-length: ${length}\r\n`;
    return `${head}\r\n`;
  }

  private connect(): UpstreamConnection {
    const connection = new UpstreamConnection(this.host, this.port, this.connectTimeoutMs, this);
    this.open.add(connection);
    return connection;
  }

  released(connection: UpstreamConnection): void {
    const next = this.waiting.shift();
    if (next) return next.call.start(connection, next.request, next.head, next.handler);
    if (this.closed) return connection.close();
    // Stop using it a second before the upstream would close it: a request written as the upstream hangs
    // up is lost, and whether it was processed cannot be known.
    const hint = connection.serverKeepAliveMs;
    const keep = hint === undefined ? this.keepAliveTimeoutMs : Math.min(this.keepAliveTimeoutMs, hint - 1000);
    connection.idleUntil = performance.now() + keep;
    this.idle.push(connection);
  }

  gone(connection: UpstreamConnection): void {
    this.open.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    // A request waiting for a connection gets a new one in place of the one that went.
    const next = !this.closed && this.open.size < this.maxConnections ? this.waiting.shift() : undefined;
    if (next) next.call.start(this.connect(), next.request, next.head, next.handler);
    if (this.open.size === 0) this.closing?.();
  }

  /** A waiting request was aborted (by its Call). */
  dropWaiting(call: Call, reason: Error): void {
    const at = this.waiting.findIndex((waiting) => waiting.call === call);
    if (at < 0) return;
    const [waiting] = this.waiting.splice(at, 1);
    waiting!.handler.onError(new UpstreamError("UPSTREAM_ABORTED", reason.message, { cause: reason }), false);
  }

  /** The most recently used idle connection still within its keep-alive time. */
  private takeIdle(): UpstreamConnection | undefined {
    let connection = this.idle.pop();
    if (connection && connection.idleUntil <= performance.now()) {
      this.closeIdleSince(performance.now());
      connection.close();
      connection = this.idle.pop();
    }
    return connection;
  }

  /** Closes the idle connections whose keep-alive time is over (the sweep, once a second). */
  closeIdleSince(now: number): void {
    for (const connection of [...this.idle]) if (connection.idleUntil <= now) connection.close();
  }

  /** Takes no new request; resolves once the requests in progress have ended and every connection is closed. */
  close(): Promise<void> {
    this.closed = true;
    pools.delete(this);
    for (const waiting of this.waiting.splice(0))
      waiting.handler.onError(new UpstreamError("UPSTREAM_POOL_CLOSED", "the pool was closed"), false);
    for (const connection of [...this.idle]) connection.close();
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.closing = resolve));
  }

  /** Closes every connection now, answers in progress included. */
  destroy(): void {
    void this.close();
    for (const connection of [...this.open]) connection.abort(new Error("the pool was destroyed"));
    this.closing?.();
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
