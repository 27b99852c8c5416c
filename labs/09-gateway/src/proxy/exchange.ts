import type { HeaderList, IncomingRequest, OutgoingResponse } from "@distlab/kit/http-engine";
import type { AccessLog } from "../observe/access-log.ts";
import type { GatewayMetrics } from "../observe/metrics.ts";
import type { TraceContext } from "../observe/request-id.ts";
import { isIdempotent, isRetriable, type AttemptFailure } from "../resilience/retry.ts";
import type { CompiledRoute } from "../routing/table.ts";
import type { GatewayRuntime } from "../runtime.ts";
import type { Instance } from "../upstreams/instance.ts";
import type { Upstream } from "../upstreams/upstream.ts";
import { admit, hasBody, type Admitted, type Refusal } from "./admission.ts";
import type { DeadlineWatch } from "./deadlines.ts";
import { dispatchAttempt, type AttemptSink, type Resumable } from "./forward.ts";
import { deadlineOf, forwardedHeaders, responseHeaders } from "./headers.ts";
import { sendProblem } from "./problem.ts";

export interface ExchangeContext {
  metrics: GatewayMetrics;
  accessLog: AccessLog | undefined;
  deadlines: DeadlineWatch;
}

export interface ExchangeStart {
  runtime: GatewayRuntime;
  route: CompiledRoute;
  upstreamPath: string;
  requestId: string;
  trace: TraceContext;
  clientIp: string;
  /** performance.now() when the request arrived. */
  startedAt: number;
}

class DeadlineExceeded extends Error {}
class ClientGone extends Error {}

/**
 * One client request on its way through an upstream: admission, then attempts — each on an instance the
 * balancer picks, within the breaker, the deadline, the route's attempts and the upstream's retry budget —
 * until one answer is kept and streamed back (README, steps 2–6).
 */
export class Exchange implements AttemptSink {
  private readonly upstream: Upstream;
  private readonly idempotent: boolean;
  private answerHeaders: string[] = [];
  private upstreamHeaders: string[] = [];
  private body: Buffer | null = null;
  /** performance.now() at which the exchange times out (read by the DeadlineWatch). */
  deadline = 0;
  /** Its place in the DeadlineWatch, -1 when not watched. */
  watchIndex = -1;
  private timeoutMs = 0;
  private attempt: { abort(reason: Error): void } | undefined;
  private instance: Instance | undefined;
  private tried: Set<Instance> | undefined;
  private attempts = 0;
  private lastFailure: AttemptFailure | undefined;
  /** The final answer is decided (a problem sent, or an upstream's answer kept). */
  private answered = false;
  private closed = false;

  constructor(
    private readonly context: ExchangeContext,
    private readonly start: ExchangeStart,
    private readonly request: IncomingRequest,
    private readonly response: OutgoingResponse,
  ) {
    this.upstream = start.runtime.upstreams.get(start.route.config.upstream)!;
    this.idempotent = isIdempotent(request.method, request.header("idempotency-key"));
    start.runtime.enter();
    response.onClose(() => this.onClose());
  }

  /**
   * Runs the exchange. Synchronous as far as it can be (a GET without auth reaches its first attempt in
   * this call); whatever fails later, asynchronously, is handed to `onError`.
   */
  run(onError: (error: unknown) => void): void {
    const { route, runtime, clientIp } = this.start;
    const admitted = admit(this.request, route, runtime, clientIp);
    const next = admitted instanceof Promise ? admitted.then((value) => this.admitted(value)) : this.admitted(admitted);
    if (next) next.catch(onError);
  }

  private admitted(admitted: Admitted | Refusal): Promise<void> | undefined {
    const { route, runtime } = this.start;
    if ("status" in admitted) {
      if (admitted.limitedBy) this.context.metrics.rateLimited(route.id, admitted.limitedBy);
      return this.refuse(admitted.status, admitted.detail, admitted.headers);
    }
    this.answerHeaders = admitted.answerHeaders;
    this.answerHeaders.push("x-request-id", this.start.requestId);
    const timeout = deadlineOf(route.config.timeoutMs, this.request.header("x-request-timeout-ms"));
    if (typeof timeout === "string") return this.refuse(400, timeout);
    if (!hasBody(this.request)) return this.forward(admitted.identity, null, timeout);
    return this.request.readBody(runtime.file.maxBodyBytes).then((body) => {
      if (body === "too-large")
        return this.refuse(413, `the request body is larger than ${runtime.file.maxBodyBytes} bytes`);
      if (!this.closed) this.forward(admitted.identity, body, timeout);
    });
  }

  private forward(identity: Record<string, string>, body: Buffer | null, timeout: number): undefined {
    this.body = body;
    this.upstreamHeaders = forwardedHeaders(this.request.headerList, {
      requestId: this.start.requestId,
      traceparent: this.start.trace.traceparent,
      clientIp: this.start.clientIp,
      host: this.request.header("host"),
      identityHeaders: this.start.runtime.identityHeaders,
      identity,
    });
    this.deadline = this.start.startedAt + timeout;
    this.timeoutMs = timeout;
    this.context.deadlines.add(this);
    this.upstream.budget.onRequest();
    this.sendAttempt();
    return undefined;
  }

  private sendAttempt(): void {
    if (this.answered) return;
    if (this.instance) (this.tried ??= new Set()).add(this.instance);
    const instance = this.upstream.pick(this.tried);
    if (!instance) {
      return this.refuse(503, `no instance of upstream '${this.upstream.name}' is available`, { "retry-after": "1" });
    }
    const admission = this.upstream.breaker?.tryAcquire() ?? { allowed: true };
    if (!admission.allowed) {
      const seconds = String(Math.max(1, Math.ceil(admission.retryAfterMs / 1000)));
      return this.refuse(503, `the circuit breaker of upstream '${this.upstream.name}' is open`, {
        "retry-after": seconds,
      });
    }
    this.instance = instance;
    this.attempts++;
    instance.outstanding++;
    const remaining = Math.max(1, Math.floor(this.deadline - performance.now()));
    this.attempt = dispatchAttempt(
      instance.pool,
      {
        path: this.start.upstreamPath,
        method: this.request.method,
        headers: this.withDeadline(remaining),
        body: this.body,
      },
      this,
    );
  }

  /** The upstream headers with this attempt's x-request-timeout-ms (set in place: one list per exchange). */
  private withDeadline(remainingMs: number): string[] {
    const headers = this.upstreamHeaders;
    if (headers[headers.length - 2] !== "x-request-timeout-ms") headers.push("x-request-timeout-ms", "");
    headers[headers.length - 1] = String(remainingMs);
    return headers;
  }

  onHead(status: number, headers: HeaderList): boolean {
    this.report(status < 500, status);
    if (this.answered) return false;
    if (status >= 500) {
      this.lastFailure = { kind: "status", status };
      if (isRetriable(this.lastFailure, this.idempotent) && this.mayRetry()) return false;
    }
    this.answered = true;
    const head = responseHeaders(headers);
    for (const item of this.answerHeaders) head.push(item);
    this.response.writeHead(status, head);
    return true;
  }

  onData(chunk: Buffer, attempt: Resumable): boolean {
    if (this.response.write(chunk)) return true;
    // Only a slow client costs a closure.
    this.response.onceDrain(() => attempt.resume());
    return false;
  }

  onEnd(kept: boolean): void {
    this.endAttempt();
    if (kept) this.response.end();
    else if (!this.answered) this.retryLater();
  }

  onError(error: Error, sent: boolean): void {
    const cancelled = error instanceof ClientGone;
    this.endAttempt();
    if (cancelled) this.upstream.breaker?.release();
    else this.report(false, "error");
    if (this.closed) return;
    if (this.answered) {
      if (!this.response.writableEnded) this.response.destroy();
      return;
    }
    this.lastFailure = sent ? { kind: "lost" } : { kind: "not-sent" };
    if (isRetriable(this.lastFailure, this.idempotent) && this.mayRetry()) return this.retryLater();
    this.refuse(
      502,
      `upstream '${this.upstream.name}' gave no answer (${sent ? "connection lost" : "connection refused"}): ${error.message}`,
    );
  }

  /** Outcome of an attempt, for outlier detection, the breaker and the metrics. */
  private report(ok: boolean, outcome: number | "error"): void {
    const instance = this.instance!;
    this.context.metrics.attempt(this.upstream.name, instance.key, outcome);
    if (ok) {
      this.upstream.outliers?.onSuccess(instance);
      this.upstream.breaker?.onSuccess();
    } else {
      this.upstream.outliers?.onFailure(instance, this.upstream.instances);
      this.upstream.breaker?.onFailure();
    }
  }

  /** Whether another attempt is allowed: attempts left, time left, and a token from the retry budget. */
  private mayRetry(): boolean {
    return (
      this.attempts < this.start.route.config.retry.attempts &&
      this.deadline - performance.now() > 1 &&
      this.upstream.budget.tryRetry()
    );
  }

  /** The next attempt, after a short random backoff (full jitter) that never runs past the deadline. */
  private retryLater(): void {
    this.context.metrics.retry(this.start.route.id, this.upstream.name);
    const base = this.start.route.config.retry.backoffMs * 2 ** (this.attempts - 1);
    const delay = Math.min(Math.random() * base, Math.max(0, this.deadline - performance.now() - 1));
    if (delay < 1) this.sendAttempt();
    else setTimeout(() => this.sendAttempt(), delay);
  }

  private endAttempt(): void {
    this.instance!.outstanding--;
    this.attempt = undefined;
  }

  /** The deadline passed (called by the DeadlineWatch). */
  expire(): void {
    const timeoutMs = this.timeoutMs;
    if (!this.answered) {
      this.refuse(504, `upstream '${this.upstream.name}' did not answer within ${timeoutMs} ms`);
    } else if (!this.response.writableEnded) {
      this.response.destroy();
    }
    this.attempt?.abort(new DeadlineExceeded(`deadline of ${timeoutMs} ms exceeded`));
  }

  /** Answers with a problem of the gateway's own, unless an answer is already decided. */
  private refuse(status: number, detail: string, headers: Record<string, string> = {}): undefined {
    if (this.answered || this.closed) return undefined;
    this.answered = true;
    for (let i = 0; i < this.answerHeaders.length; i += 2)
      headers[this.answerHeaders[i]!] ??= this.answerHeaders[i + 1]!;
    sendProblem(this.response, status, detail, {
      requestId: this.start.requestId,
      instance: this.request.url,
      headers,
    });
  }

  private onClose(): void {
    this.closed = true;
    this.context.deadlines.delete(this);
    this.attempt?.abort(new ClientGone("the client closed the connection"));
    const status = this.response.headersSent ? this.response.statusCode : 499;
    const route = this.start.route.id;
    const durationMs = performance.now() - this.start.startedAt;
    this.context.metrics.request(route, this.upstream.name, status, durationMs / 1000);
    this.context.accessLog?.record({
      requestId: this.start.requestId,
      traceId: this.start.trace.traceId,
      method: this.request.method,
      path: this.request.url,
      route,
      upstream: this.upstream.name,
      instance: this.instance?.key ?? null,
      status,
      durationMs: Math.round(durationMs * 100) / 100,
      attempts: this.attempts,
      client: this.start.clientIp,
    });
    this.start.runtime.leave();
  }
}
