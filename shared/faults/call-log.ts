import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";

/**
 * What the proxy saw of each request it was asked to forward, for tests that check how a client calls
 * (its retries, the waits between them, the deadlines it sets, the headers it sends) rather than only what
 * it finally answers. Times are milliseconds on the proxy's monotonic clock.
 */
export interface ProxiedCall {
  /** Order of arrival at the proxy, from 1. */
  seq: number;
  method: string;
  /** The path with its query string. */
  url: string;
  /** The request's headers, lower-cased (repeated ones joined with ", "). */
  headers: Record<string, string>;
  receivedMs: number;
  /** The action fault that decided its fate, or "forward". */
  fault: string;
  /** The status the client was sent, once the proxy answered. */
  status?: number;
  /** When the exchange ended: the answer was sent, or the connection was closed (by either side). */
  endedMs?: number;
  /** True when the client hung up before getting an answer (its timeout, or an abort). */
  clientGaveUp?: boolean;
}

const KEEP = 10_000;

export class CallLog {
  readonly #calls: ProxiedCall[] = [];
  #seq = 0;

  /** Records a request's arrival and follows it to its end. */
  begin(req: IncomingMessage, res: ServerResponse): ProxiedCall {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    const call: ProxiedCall = {
      seq: ++this.#seq,
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers,
      receivedMs: now(),
      fault: "forward",
    };
    this.#calls.push(call);
    if (this.#calls.length > KEEP) this.#calls.shift();
    res.once("close", () => {
      call.endedMs = now();
      if (res.writableFinished) call.status = res.statusCode;
      else if (call.fault === "forward" || call.fault === "blackhole" || call.fault === "duplicate")
        call.clientGaveUp = true;
    });
    return call;
  }

  list(): ProxiedCall[] {
    return this.#calls.map((call) => ({ ...call, headers: { ...call.headers } }));
  }

  clear(): void {
    this.#calls.length = 0;
  }
}

function now(): number {
  return Math.round(performance.now() * 1000) / 1000;
}
