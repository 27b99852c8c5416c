import Consul from "consul";
import { Agent, request } from "undici";
import type { RegistryChoice } from "../environment.ts";

/**
 * Talking to Consul. Registration goes through the `consul` client (a promise API over the agent
 * endpoints). Blocking queries go through `blockingGet`, a plain GET that hands back what the client
 * hides: the status (a KV listing with no keys is a 404 that still carries an index) and `X-Consul-Index`.
 */

type ConsulChoice = Extract<RegistryChoice, { kind: "consul" }>;

/** Agent calls (register, heartbeat, deregister) give up after this long. */
export const CONSUL_CALL_TIMEOUT_MS = 5_000;

export function consulClient(registry: ConsulChoice): Consul {
  // `timeout` is an option of the client's HTTP layer that its typings leave out.
  const options: ConstructorParameters<typeof Consul>[0] & { timeout: number } = {
    host: registry.host,
    port: registry.port,
    timeout: CONSUL_CALL_TIMEOUT_MS,
  };
  return new Consul(options);
}

/** The HTTP status of a failed `consul` client call (404: the agent does not know that check or service). */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === "number" ? status : undefined;
}

export interface BlockingReply {
  status: number;
  /** X-Consul-Index, or 0 when absent. */
  index: number;
  /** The JSON body, or undefined for an empty or non-JSON one (a 404). */
  body: unknown;
}

export interface BlockingGetOptions {
  /** The index of the last answer; 0 asks for an immediate answer. */
  index: number;
  /** How long the agent may hold the request, e.g. "30s". */
  wait: string;
  /** How long to wait for the answer in all (wait plus a margin, so a silent agent is noticed). */
  timeoutMs: number;
  signal?: AbortSignal;
}

export class ConsulHttp {
  private readonly dispatcher = new Agent({ keepAliveTimeout: 60_000, connections: 16 });

  constructor(readonly base: string) {}

  /** GET `path` (under /v1, with its own query) as a blocking query. Rejects when no answer came in time. */
  async blockingGet(path: string, options: BlockingGetOptions): Promise<BlockingReply> {
    const separator = path.includes("?") ? "&" : "?";
    const query = options.index > 0 ? `${separator}index=${options.index}&wait=${options.wait}` : "";
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const response = await request(`${this.base}/v1/${path}${query}`, {
      dispatcher: this.dispatcher,
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const text = await response.body.text();
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    const index = Number(response.headers["x-consul-index"] ?? 0);
    return { status: response.statusCode, index: Number.isFinite(index) ? index : 0, body };
  }

  close(): Promise<void> {
    return this.dispatcher.destroy();
  }
}
