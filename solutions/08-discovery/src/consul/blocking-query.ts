import type { Logger } from "pino";
import { durationMs } from "../environment.ts";
import type { ConsulHttp } from "./http.ts";

/**
 * Step 3: a watch on Consul is a loop of blocking queries. Each answer carries `X-Consul-Index`; the next
 * query sends it back (`?index=N&wait=30s`) and the agent holds it until something past N changed or the
 * wait ran out. So an idle watch costs one request per `wait`, and a change arrives at once. An answer is
 * no promise of a change: compare indexes. An index that goes backwards means a new agent (or a new
 * cluster): start over from 0. After a failure, keep what you have, say you are disconnected, back off,
 * and ask afresh (index 0) — the agent that answers next may not be the one that gave you your index.
 */

export interface BlockingLoopOptions {
  /** Each answer whose index moved, the first included: the JSON body, or undefined for a 404 (nothing there yet). */
  onResult(body: unknown): void;
  onConnected(up: boolean): void;
  /** How long the agent may hold a query, e.g. "30s". */
  wait: string;
  logger?: Logger | undefined;
}

export interface BlockingLoop {
  close(): Promise<void>;
}

const MIN_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;
/** The shortest time between two queries, so a misbehaving index can never spin the loop. */
const MIN_INTERVAL_MS = 50;

export function blockingLoop(http: ConsulHttp, path: string, options: BlockingLoopOptions): BlockingLoop {
  const loop = new Loop(http, path, options);
  const running = loop.run();
  return {
    close: async () => {
      loop.stop();
      await running;
    },
  };
}

class Loop {
  private index = 0;
  private retryMs = MIN_RETRY_MS;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly http: ConsulHttp,
    private readonly path: string,
    private readonly options: BlockingLoopOptions,
  ) {}

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.abort.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  }

  async run(): Promise<void> {
    const waitMs = durationMs(this.options.wait);
    // The agent adds up to wait/16 of jitter; past that and a margin, it is not answering.
    const timeoutMs = Math.ceil(waitMs + waitMs / 16 + 2_000);
    while (!this.stopped) {
      // @solution §3 "ask with the last index, hand on answers whose index moved, keep the last set on errors"
      const started = Date.now();
      try {
        const reply = await this.http.blockingGet(this.path, {
          index: this.index,
          wait: this.options.wait,
          timeoutMs,
          signal: this.abort.signal,
        });
        if (reply.status !== 200 && reply.status !== 404)
          throw new Error(`HTTP ${reply.status} from GET /v1/${this.path}`);
        this.options.onConnected(true);
        this.retryMs = MIN_RETRY_MS;
        if (reply.index !== this.index) this.options.onResult(reply.status === 404 ? undefined : reply.body);
        this.index = reply.index < this.index ? 0 : Math.max(1, reply.index);
      } catch (error) {
        if (this.stopped) return;
        this.options.onConnected(false);
        this.options.logger?.warn({ path: this.path, err: (error as Error).message }, "consul watch: no answer");
        this.index = 0;
        await this.pause(this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
      }
      await this.pause(Math.max(0, MIN_INTERVAL_MS - (Date.now() - started)));
      // @end
    }
  }
}
