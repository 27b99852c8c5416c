import type { HeaderList, Http1Pool, UpstreamCall, UpstreamError, UpstreamHandler } from "@distlab/kit/http-engine";

/**
 * One attempt of an exchange: a request sent on an instance's keep-alive pool (the kit's HTTP engine),
 * its answer handed piece by piece to the exchange, which decides from the status whether to keep the
 * answer — streamed straight to the client — or to drop it for another attempt.
 */

export interface AttemptSink {
  /** The answer's head arrived; return false to discard this answer (its body is read and dropped). */
  onHead(status: number, headers: HeaderList): boolean;
  /**
   * A chunk of a kept answer; return false when the client cannot take more for now, and call
   * `attempt.resume()` once it can.
   */
  onData(chunk: Buffer, attempt: Resumable): boolean;
  /** The answer ended; `kept` says whether onHead kept it. */
  onEnd(kept: boolean): void;
  /** No (whole) answer: `sent` is false only when the request certainly never reached the upstream. */
  onError(error: Error, sent: boolean): void;
}

/** The attempt whose answer is paused, for the sink to resume it. */
export interface Resumable {
  resume(): void;
}

export interface AttemptRequest {
  path: string;
  method: string;
  headers: string[];
  body: Buffer | null;
}

/**
 * The engine's handler of one attempt. A class rather than an object of closures: one allocation per
 * attempt, methods shared on the prototype. It hands itself to the sink as the thing to resume: no
 * closure per answer (the exchange makes one only when its client is slow).
 */
class AttemptHandler implements UpstreamHandler, Resumable {
  call: UpstreamCall | undefined;
  private kept = false;
  settled = false;
  private readonly sink: AttemptSink;

  constructor(sink: AttemptSink) {
    this.sink = sink;
  }

  onHead(status: number, headers: HeaderList): void {
    this.kept = this.sink.onHead(status, headers);
  }

  onData(chunk: Buffer): boolean {
    return !this.kept || this.sink.onData(chunk, this);
  }

  resume(): void {
    this.call?.resume();
  }

  onEnd(): void {
    if (this.settled) return;
    this.settled = true;
    this.sink.onEnd(this.kept);
  }

  onError(error: UpstreamError, sent: boolean): void {
    if (this.settled) return;
    this.settled = true;
    // An attempt the exchange aborted reports the exchange's own reason (deadline, client gone).
    const reason = error.code === "UPSTREAM_ABORTED" && error.cause instanceof Error ? error.cause : error;
    this.sink.onError(reason, sent);
  }
}

/** Dispatches one attempt; the returned handle aborts it. */
export function dispatchAttempt(
  pool: Http1Pool,
  request: AttemptRequest,
  sink: AttemptSink,
): { abort(reason: Error): void } {
  const handler = new AttemptHandler(sink);
  try {
    handler.call = pool.dispatch(request, handler);
    return handler.call;
  } catch (error) {
    // Refused before anything was sent (a closed pool, a header that cannot be sent).
    handler.settled = true;
    queueMicrotask(() => sink.onError(error as Error, false));
    return { abort() {} };
  }
}
