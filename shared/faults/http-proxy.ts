/**
 * The HTTP fault proxy: tests put it between two services (PetStore → proxy → Payment) and tell it,
 * rule by rule, what to break. Without rules it forwards every request untouched.
 *
 * For each request: the matching latency rules delay it, then the first firing action decides its fate
 * (see rules.ts for each fault), and bandwidth rules cap its request and response bodies.
 */
import { setMaxListeners } from "node:events";
import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { CONTROL_PREFIX, createControlHandler, isControlPath, startControlServer } from "./control-api.ts";
import { RuleEngine } from "./engine.ts";
import type { EngineStats } from "./engine.ts";
import { sendProblem } from "./problem.ts";
import { createPrng, randomSeed } from "./prng.ts";
import { httpRuleSchema, parseRule } from "./rules.ts";
import type { HttpRule, HttpRuleInput } from "./rules.ts";
import { listen, urlHost } from "./servers.ts";
import { CallLog, type ProxiedCall } from "./call-log.ts";
import { forwardableHeaders, readAll, throttled, Upstream, UpstreamError } from "./http-upstream.ts";

export interface FaultProxyOptions {
  /** Base URL of the service behind the proxy, e.g. "http://127.0.0.1:4002". */
  upstream: string | URL;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on; loopback by default. */
  host?: string;
  /** Seed of the PRNG behind probabilities and jitter; random when absent (read it back from `seed`). */
  seed?: number;
  /** Rules in place from the start. */
  rules?: HttpRuleInput[];
  /**
   * Serve the control API on its own port (0 picks one). Without it, the control API lives under
   * /_faults on the proxy's own port, and requests to that prefix are not forwarded.
   */
  adminPort?: number;
}

export interface HttpProxyStats extends EngineStats {
  /** Requests received for the upstream (control API calls not included). */
  requests: number;
  /** Requests sent to the upstream, duplicate copies included. */
  forwarded: number;
  /** Upstream calls that failed (refused, reset, closed early). */
  upstreamErrors: number;
}

export interface FaultProxy {
  /** Base URL to give the client instead of the upstream's, e.g. "http://127.0.0.1:40123". */
  readonly url: string;
  readonly port: number;
  /** Base URL of the control API, e.g. "http://127.0.0.1:40123/_faults". */
  readonly adminUrl: string;
  /** The PRNG seed: the same seed, rules and request order give the same faults. */
  readonly seed: number;
  /** Validates and adds a rule (throws a FaultRuleError naming the field); returns it with its id. */
  addRule(rule: HttpRuleInput): HttpRule;
  removeRule(id: string): boolean;
  clearRules(): void;
  rules(): HttpRule[];
  stats(): HttpProxyStats;
  /** Every request received for the upstream, in order of arrival (the latest 10 000). */
  calls(): ProxiedCall[];
  /** Forgets the calls recorded so far. */
  clearCalls(): void;
  /** Stops listening and destroys every connection, held ones included. */
  close(): Promise<void>;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const host = options.host ?? "127.0.0.1";
  const closing = new AbortController();
  // Every delayed or forwarded request listens on this signal; hundreds at once is normal, not a leak.
  setMaxListeners(0, closing.signal);
  const upstream = new Upstream(options.upstream, closing.signal);
  const engine = new RuleEngine((input) => parseRule(httpRuleSchema, input), createPrng(options.seed ?? randomSeed()));
  for (const rule of options.rules ?? []) engine.add(rule);
  const counters = { requests: 0, forwarded: 0, upstreamErrors: 0 };
  const callLog = new CallLog();

  const control = {
    addRule: (rule: unknown): HttpRule => engine.add(rule),
    removeRule: (id: string) => engine.remove(id),
    clearRules: () => engine.clear(),
    rules: () => engine.list(),
    stats: (): HttpProxyStats => ({ ...counters, ...engine.stats() }),
  };

  async function send(req: IncomingMessage, body: Readable | Buffer): Promise<IncomingMessage> {
    counters.forwarded += 1;
    try {
      return await upstream.send(req, body);
    } catch (error) {
      counters.upstreamErrors += 1;
      throw error;
    }
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.requests += 1;
    const call = callLog.begin(req, res);
    const decision = engine.decide({ method: req.method ?? "GET", path: (req.url ?? "/").split("?", 1)[0] ?? "/" });
    const rate = decision.bytesPerSecond;
    const action = decision.action;
    call.fault = action?.fault ?? "forward";
    if (decision.delayMs > 0) await sleep(decision.delayMs, undefined, { signal: closing.signal });
    switch (action?.fault) {
      case "reset":
        req.socket.resetAndDestroy();
        return;
      case "blackhole":
        // Read and discard the body so the client believes it was sent; the socket stays open.
        req.resume();
        return;
      case "drop-request":
        await readAll(req);
        req.socket.destroy();
        return;
      case "drop-response":
        await readAll(await send(req, throttled(req, rate)));
        req.socket.destroy();
        return;
      case "duplicate": {
        const body = await readAll(throttled(req, rate));
        const copy = async (): Promise<{ head: IncomingMessage; body: Buffer }> => {
          const head = await send(req, body);
          return { head, body: await readAll(head) };
        };
        let first: PromiseSettledResult<{ head: IncomingMessage; body: Buffer }>;
        if (action.mode === "concurrent") {
          [first] = await Promise.allSettled([copy(), copy()]);
        } else {
          first = await settle(copy());
          await settle(copy());
        }
        if (first.status === "rejected") throw first.reason;
        await reply(res, first.value.head, Readable.from([first.value.body]), rate);
        return;
      }
      default:
        await reply(res, await send(req, throttled(req, rate)), undefined, rate);
    }
  }

  const controlHandler = createControlHandler(control);
  const controlInline = options.adminPort === undefined;
  const server = http.createServer({ requestTimeout: 0 }, (req, res) => {
    if (controlInline && isControlPath(req.url)) {
      controlHandler(req, res);
      return;
    }
    handleRequest(req, res).catch((error: unknown) => {
      if (error instanceof UpstreamError && !closing.signal.aborted) {
        sendProblem(res, { status: 502, title: "Bad gateway", detail: error.message });
      } else {
        req.socket.destroy();
      }
    });
  });

  const proxy = await listen(server, options.port ?? 0, host);
  const admin =
    options.adminPort === undefined
      ? undefined
      : await startControlServer(control, options.adminPort, host).catch(async (error: unknown) => {
          await proxy.close();
          throw error;
        });
  const url = `http://${urlHost(host)}:${proxy.port}`;

  return {
    url,
    port: proxy.port,
    adminUrl: `${admin === undefined ? url : `http://${urlHost(host)}:${admin.port}`}${CONTROL_PREFIX}`,
    seed: engine.seed,
    ...control,
    calls: () => callLog.list(),
    clearCalls: () => callLog.clear(),
    async close() {
      closing.abort();
      upstream.close();
      await Promise.all([proxy.close(), admin?.close()]);
    },
  };
}

/**
 * Streams the upstream's status, headers and body to the client. `body` replaces the upstream's body
 * when it was already read (duplicate).
 */
async function reply(
  res: ServerResponse,
  head: IncomingMessage,
  body: Readable | undefined,
  rate: number | undefined,
): Promise<void> {
  res.writeHead(head.statusCode ?? 502, head.statusMessage || undefined, forwardableHeaders(head.rawHeaders));
  await pipeline(throttled(body ?? head, rate), res);
}

function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value) => ({ status: "fulfilled", value }),
    (reason: unknown) => ({ status: "rejected", reason }),
  );
}
