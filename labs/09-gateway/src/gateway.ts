import type { Http1Server, IncomingRequest, OutgoingResponse } from "@distlab/kit/http-engine";
import { setTimeout as sleep } from "node:timers/promises";
import type { Clock, ManualClock } from "./clock.ts";
import { parseRoutesFile, RoutesFileError, type ConfigIssue } from "./config/parse.ts";
import type { RoutesSource } from "./config/source.ts";
import { answerPreflight } from "./edge/cors.ts";
import { AccessLog } from "./observe/access-log.ts";
import { GatewayMetrics } from "./observe/metrics.ts";
import { requestIdOf, traceContextOf } from "./observe/request-id.ts";
import { DeadlineWatch } from "./proxy/deadlines.ts";
import { Exchange, type ExchangeContext } from "./proxy/exchange.ts";
import { sendProblem } from "./proxy/problem.ts";
import { unsafeTargetReason } from "./routing/table.ts";
import { GatewayRuntime } from "./runtime.ts";
import type { InstanceSource } from "./upstreams/discovery.ts";
import { serveAdmin } from "./admin.ts";
import { todo } from "@distlab/kit/service";

export interface GatewayOptions {
  clock: Clock;
  /** Set when time is moved by hand (GATEWAY_CLOCK=manual): the admin API then exposes it. */
  manualClock?: ManualClock;
  /** Lab 08's resolver, for upstreams found by discovery. */
  discovery?: InstanceSource;
  routes: RoutesSource;
  log: (entry: Record<string, unknown>) => void;
}

export interface LoadError {
  message: string;
  issues: ConfigIssue[];
  /** Wall-clock time of the failed load. */
  at: string;
}

export type ReloadResult = { ok: true; version: number } | { ok: false; error: LoadError };

/**
 * The gateway: takes every request the server receives, answers its own endpoints (/health, /ready,
 * /metrics, /_gateway/…), routes the rest and hands each to an Exchange. Holds the current configuration
 * and replaces it on reload; drains on shutdown.
 */
export class Gateway {
  readonly metrics = new GatewayMetrics();
  private readonly deadlines = new DeadlineWatch();
  private accessLog: AccessLog | undefined;
  /** What every exchange shares, rebuilt when the access log is switched on or off. */
  private exchangeContext: ExchangeContext = { metrics: this.metrics, accessLog: undefined, deadlines: this.deadlines };
  runtime: GatewayRuntime | undefined;
  version = 0;
  loadedAt: string | undefined;
  lastError: LoadError | undefined;
  draining = false;
  /** Requests received and not answered yet, on every runtime. */
  inFlight = 0;

  constructor(readonly options: GatewayOptions) {
    this.metrics.watchUpstreams(() => this.runtime?.upstreams.values() ?? []);
  }

  /** One listener for every response (no closure per request): a response closes once. */
  private readonly answered = (): void => {
    this.inFlight--;
  };

  readonly handle = (request: IncomingRequest, response: OutgoingResponse): void => {
    this.inFlight++;
    response.onClose(this.answered);
    if (this.draining) response.closeConnection();
    try {
      this.route(request, response);
    } catch (error) {
      this.crashed(response, error);
    }
  };

  private route(request: IncomingRequest, response: OutgoingResponse): void {
    const startedAt = performance.now();
    const url = request.url;
    if (url === "/health" || url === "/ready" || url === "/metrics" || url.startsWith("/_gateway/")) {
      return void serveAdmin(this, request, response).catch((error: unknown) => this.crashed(response, error));
    }
    const requestId = requestIdOf(request.header("x-request-id"));
    const runtime = this.runtime;
    if (!runtime) return sendProblem(response, 503, "no configuration is loaded", { requestId });
    const unsafe = unsafeTargetReason(url);
    if (unsafe) return sendProblem(response, 400, unsafe, { requestId, instance: url });
    const method = request.method;
    const host = request.header("host");
    const origin = method === "OPTIONS" ? request.header("origin") : undefined;
    const askedMethod = origin === undefined ? undefined : request.header("access-control-request-method");
    if (origin !== undefined && askedMethod !== undefined) {
      const preflight = runtime.table.match(host, askedMethod.toUpperCase(), url);
      const cors = preflight.kind === "route" ? preflight.route.config.cors : undefined;
      if (cors) {
        const answer = answerPreflight(cors, {
          origin,
          method: askedMethod,
          headers: request.header("access-control-request-headers"),
        });
        if (!answer.allowed)
          return sendProblem(response, 403, `CORS preflight refused: ${answer.reason}`, { requestId, instance: url });
        return void response.writeHead(204, { ...answer.headers, "x-request-id": requestId }).end();
      }
    }
    const match = runtime.table.match(host, method, url);
    if (match.kind === "no-route")
      return sendProblem(response, 404, `no route for ${method} ${url}`, { requestId, instance: url });
    if (match.kind === "method-not-allowed") {
      return sendProblem(response, 405, `${method} is not allowed here; allowed: ${match.allow.join(", ")}`, {
        requestId,
        instance: url,
        headers: { allow: match.allow.join(", ") },
      });
    }
    const exchange = new Exchange(
      this.exchangeContext,
      {
        runtime,
        route: match.route,
        upstreamPath: match.upstreamPath,
        requestId,
        trace: traceContextOf(request.header("traceparent")),
        clientIp: request.remoteAddress,
        startedAt,
      },
      request,
      response,
    );
    exchange.run((error: unknown) => this.crashed(response, error));
  }

  /** Loads the first configuration; a routes file with an error stops the gateway from starting at all. */
  async start(): Promise<void> {
    this.install(await this.build());
  }

  /**
   * Loads the routes again (the file changed, SIGHUP, POST /_gateway/reload) and swaps them in. A
   * configuration that cannot be read, parsed, validated or built is refused as a whole: the current one
   * keeps serving, the error is kept for /_gateway/config, logged and counted. A new one takes over for
   * the requests that arrive after the swap; requests in flight finish on the one they started with.
   */
  async reload(): Promise<ReloadResult> {
    return todo("TODO(lab09 §9): build the whole new configuration first; swap only when it is valid, else keep the old — see labs/09-gateway/README.md, step 9");
  }

  /** Reads, parses, validates and compiles the routes; throws on any problem, changing nothing. */
  private async build(): Promise<GatewayRuntime> {
    const text = await this.options.routes.read();
    const file = parseRoutesFile(text, this.options.routes.name);
    const next = new GatewayRuntime(this.version + 1, file, this.runtime, {
      clock: this.options.clock,
      metrics: this.metrics,
      source: this.options.discovery,
      log: this.options.log,
    });
    try {
      await next.verifier?.prepare();
    } catch (error) {
      await next.retire(this.runtime);
      throw new Error(`the routes file's jwt key cannot be used: ${(error as Error).message}`, { cause: error });
    }
    return next;
  }

  /** Makes `next` the configuration new requests use; the previous one retires once its requests end. */
  private install(next: GatewayRuntime): void {
    const previous = this.runtime;
    next.activate();
    this.runtime = next;
    this.version = next.version;
    this.loadedAt = new Date().toISOString();
    this.lastError = undefined;
    this.accessLog = next.file.accessLog ? (this.accessLog ?? new AccessLog()) : undefined;
    this.exchangeContext = { metrics: this.metrics, accessLog: this.accessLog, deadlines: this.deadlines };
    this.metrics.reload("ok");
    this.options.log({ msg: "configuration loaded", version: next.version, routes: next.table.routes.length });
    void previous?.retire(next);
  }

  /**
   * Graceful shutdown: stop being ready, stop accepting connections, close idle keep-alive connections and
   * tell clients of busy ones to hang up (Connection: close), let requests in flight finish — for at most
   * `graceMs` — then close what is left, the upstream pools and the resolver.
   */
  async drain(server: Http1Server, graceMs: number): Promise<void> {
    return todo("TODO(lab09 §9): stop taking work, let requests in flight finish within the grace period, then close — see labs/09-gateway/README.md, step 9");
  }

  private crashed(response: OutgoingResponse, error: unknown): void {
    this.options.log({ msg: "request failed inside the gateway", error: (error as Error).stack ?? String(error) });
    if (!response.headersSent) {
      const todo = error instanceof Error && error.name === "TodoError";
      sendProblem(response, todo ? 501 : 500, (error as Error).message);
    } else if (!response.writableEnded) {
      response.destroy();
    }
  }
}
