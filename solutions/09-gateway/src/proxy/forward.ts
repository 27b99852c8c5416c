import type { Dispatcher } from "undici";

/**
 * One attempt of an exchange: a request dispatched on an instance's keep-alive pool with undici's
 * low-level handler API, so the answer streams straight from the upstream socket to the client's without
 * a Readable in between. The exchange decides, from the status, whether to keep the answer or discard
 * it for another attempt.
 */

export interface AttemptSink {
  /** The answer's head arrived; return false to discard this answer (its body is read and dropped). */
  onHead(status: number, headers: Record<string, string | string[] | undefined>): boolean;
  /** A chunk of a kept answer; return false when the client cannot take more for now. */
  onData(chunk: Buffer, resume: () => void): boolean;
  /** The answer ended; `kept` says whether onHead kept it. */
  onEnd(kept: boolean): void;
  /** No (whole) answer: `sent` is false only when the request certainly never reached the upstream. */
  onError(error: Error, sent: boolean): void;
}

export interface AttemptRequest {
  path: string;
  method: string;
  headers: string[];
  body: Buffer | null;
}

/** Errors that happen before a connection exists: the upstream cannot have seen the request. */
const NOT_SENT = new Set(["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH"]);

export function requestNeverSent(error: Error): boolean {
  return NOT_SENT.has((error as { code?: string }).code ?? "");
}

/**
 * The undici handler of one attempt. A class rather than an object of closures: one allocation per
 * attempt, methods shared on the prototype.
 */
class AttemptHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private abortedEarly: Error | undefined;
  private kept = false;
  settled = false;

  constructor(private readonly sink: AttemptSink) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortedEarly) controller.abort(this.abortedEarly);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | string[]>,
  ): void {
    if (status < 200) return;
    this.kept = this.sink.onHead(status, headers);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.kept && !this.sink.onData(chunk, () => controller.resume())) controller.pause();
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    this.sink.onEnd(this.kept);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.sink.onError(error, !requestNeverSent(error));
  }

  abort(reason: Error): void {
    if (this.controller) this.controller.abort(reason);
    else this.abortedEarly = reason;
  }
}

/** Dispatches one attempt; the returned handle aborts it. */
export function dispatchAttempt(
  dispatcher: Dispatcher,
  request: AttemptRequest,
  sink: AttemptSink,
): { abort(reason: Error): void } {
  const handler = new AttemptHandler(sink);
  try {
    dispatcher.dispatch(
      { path: request.path, method: request.method, headers: request.headers, body: request.body },
      handler,
    );
  } catch (error) {
    handler.settled = true;
    queueMicrotask(() => sink.onError(error as Error, false));
  }
  return handler;
}
