/**
 * The TCP fault proxy: the HTTP proxy's idea one layer down, for protocols it cannot parse (gRPC over
 * HTTP/2, NATS, raw sockets). Rules are decided once per connection, with the same engine and PRNG:
 * - `latency`: every chunk, both ways, arrives that much later (jitter is drawn once per connection);
 * - `bandwidth`: each direction is capped at that many bytes per second;
 * - `reset`: the client's connection is reset (RST) as soon as it is accepted;
 * - `blackhole`: accepted, never connected to the upstream, never answered;
 * - `drop-after-bytes`: relayed normally until that many bytes (both directions together) went through,
 *   then both sides are closed (FIN): the client gets exactly those bytes, then end of stream.
 */
import net from "node:net";
import type { Socket } from "node:net";
import { pipeline, Transform } from "node:stream";
import type { TransformCallback } from "node:stream";
import { startControlServer } from "./control-api.ts";
import { RuleEngine } from "./engine.ts";
import type { Decision, EngineStats } from "./engine.ts";
import { createPrng, randomSeed } from "./prng.ts";
import { parseRule, tcpRuleSchema } from "./rules.ts";
import type { TcpRule, TcpRuleInput } from "./rules.ts";
import { listen, urlHost } from "./servers.ts";
import { Delay, Throttle } from "./streams.ts";

export interface TcpFaultProxyOptions {
  upstream: { host: string; port: number };
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on; loopback by default. */
  host?: string;
  /** Seed of the PRNG behind probabilities and jitter; random when absent (read it back from `seed`). */
  seed?: number;
  rules?: TcpRuleInput[];
  /** Serve the HTTP control API on this port (0 picks one); absent means in-process control only. */
  adminPort?: number;
}

export interface TcpProxyStats extends EngineStats {
  /** Connections accepted. */
  connections: number;
  /** Connections opened to the upstream. */
  forwarded: number;
  /** Upstream connections that failed. */
  upstreamErrors: number;
}

export interface TcpFaultProxy {
  readonly host: string;
  readonly port: number;
  /** Base URL of the control API, when `adminPort` was given. */
  readonly adminUrl: string | undefined;
  readonly seed: number;
  addRule(rule: TcpRuleInput): TcpRule;
  removeRule(id: string): boolean;
  clearRules(): void;
  rules(): TcpRule[];
  stats(): TcpProxyStats;
  /** Stops listening and destroys every connection, held ones included. */
  close(): Promise<void>;
}

export async function startTcpFaultProxy(options: TcpFaultProxyOptions): Promise<TcpFaultProxy> {
  const host = options.host ?? "127.0.0.1";
  const engine = new RuleEngine((input) => parseRule(tcpRuleSchema, input), createPrng(options.seed ?? randomSeed()));
  for (const rule of options.rules ?? []) engine.add(rule);
  const counters = { connections: 0, forwarded: 0, upstreamErrors: 0 };
  const upstreamSockets = new Set<Socket>();

  const control = {
    addRule: (rule: unknown): TcpRule => engine.add(rule),
    removeRule: (id: string) => engine.remove(id),
    clearRules: () => engine.clear(),
    rules: () => engine.list(),
    stats: (): TcpProxyStats => ({ ...counters, ...engine.stats() }),
  };

  function handleConnection(client: Socket): void {
    counters.connections += 1;
    client.on("error", () => client.destroy());
    const decision = engine.decide();
    switch (decision.action?.fault) {
      case "reset":
        client.resetAndDestroy();
        return;
      case "blackhole":
        client.resume();
        return;
    }
    counters.forwarded += 1;
    const upstream = net.connect({ ...options.upstream, allowHalfOpen: true });
    upstreamSockets.add(upstream);
    upstream.once("close", () => upstreamSockets.delete(upstream));
    let connected = false;
    upstream.once("connect", () => (connected = true));
    upstream.once("error", () => {
      if (!connected) counters.upstreamErrors += 1;
    });
    const cut = decision.action?.fault === "drop-after-bytes" ? new ByteBudget(decision.action.bytes) : undefined;
    relay(client, upstream, stages(decision, cut));
    relay(upstream, client, stages(decision, cut));
    cut?.startIfEmpty();
  }

  const server = net.createServer({ allowHalfOpen: true }, handleConnection);
  const proxy = await listen(server, options.port ?? 0, host);
  const admin =
    options.adminPort === undefined
      ? undefined
      : await startControlServer(control, options.adminPort, host).catch(async (error: unknown) => {
          await proxy.close();
          throw error;
        });

  return {
    host,
    port: proxy.port,
    adminUrl: admin === undefined ? undefined : `http://${urlHost(host)}:${admin.port}/_faults`,
    seed: engine.seed,
    ...control,
    async close() {
      for (const socket of upstreamSockets) socket.destroy();
      await Promise.all([proxy.close(), admin?.close()]);
    },
  };
}

/** The streams one direction's bytes go through, in order. */
function stages(decision: Decision<TcpRule>, cut: ByteBudget | undefined): Transform[] {
  const list: Transform[] = [];
  if (cut !== undefined) list.push(cut.gate());
  if (decision.delayMs > 0) list.push(new Delay(decision.delayMs));
  if (decision.bytesPerSecond !== undefined) list.push(new Throttle(decision.bytesPerSecond));
  return list;
}

/** Pipes one direction; an error on either side tears the whole connection down. */
function relay(from: Socket, to: Socket, through: Transform[]): void {
  pipeline([from, ...through, to], (error) => {
    if (error) {
      from.destroy();
      to.destroy();
    }
  });
}

/**
 * A byte allowance shared by both directions of a connection. Each direction passes its bytes through
 * a gate; once the allowance is spent, every gate ends its stream (so each far side gets a FIN after the
 * bytes that made it) and discards whatever arrives later.
 */
class ByteBudget {
  #remaining: number;
  readonly #gates: Transform[] = [];

  constructor(bytes: number) {
    this.#remaining = bytes;
  }

  gate(): Transform {
    const gate = new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) => {
        this.#pass(gate, chunk);
        callback();
      },
    });
    this.#gates.push(gate);
    return gate;
  }

  /** A zero allowance closes the connection before any byte. */
  startIfEmpty(): void {
    if (this.#remaining === 0) this.#closeGates();
  }

  #pass(gate: Transform, chunk: Buffer): void {
    if (this.#remaining === 0) return;
    const allowed = chunk.subarray(0, this.#remaining);
    this.#remaining -= allowed.length;
    gate.push(allowed);
    if (this.#remaining === 0) this.#closeGates();
  }

  #closeGates(): void {
    for (const gate of this.#gates) gate.push(null);
  }
}
