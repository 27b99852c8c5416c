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

/** Dispatches one attempt; the returned function aborts it. */
export function dispatchAttempt(
  dispatcher: Dispatcher,
  request: AttemptRequest,
  sink: AttemptSink,
): (reason: Error) => void {
  let controller: Dispatcher.DispatchController | undefined;
  let abortedEarly: Error | undefined;
  let kept = false;
  let settled = false;
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(started) {
      controller = started;
      if (abortedEarly) started.abort(abortedEarly);
    },
    onResponseStart(_controller, status, headers) {
      if (status < 200) return;
      kept = sink.onHead(status, headers as Record<string, string | string[] | undefined>);
    },
    onResponseData(active, chunk) {
      if (kept && !sink.onData(chunk, () => active.resume())) active.pause();
    },
    onResponseEnd() {
      if (settled) return;
      settled = true;
      sink.onEnd(kept);
    },
    onResponseError(_controller, error) {
      if (settled) return;
      settled = true;
      sink.onError(error, !requestNeverSent(error));
    },
  };
  try {
    dispatcher.dispatch(
      { path: request.path, method: request.method, headers: request.headers, body: request.body },
      handler,
    );
  } catch (error) {
    settled = true;
    queueMicrotask(() => sink.onError(error as Error, false));
  }
  return (reason) => {
    if (controller) controller.abort(reason);
    else abortedEarly = reason;
  };
}
