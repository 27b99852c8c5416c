// The live runtime: the same NodeDef the simulator drives, on real timers, the real clock and a real
// transport. Used by demos; tests of protocols belong on the simulator, where runs replay from a seed.
import { randomInt } from "node:crypto";
import { join } from "node:path";
import { Prng } from "./prng.ts";
import { canonicalJson } from "./trace.ts";
import { isGroupCommitStorage } from "./durable-storage.ts";
import { JsonFileStorage, MemoryStorage } from "./storage.ts";
import type { Env, NodeDef, NodeId, Storage, TimerId } from "./types.ts";

/** Moves messages between live nodes. A transport never shares memory between nodes: payloads are copied. */
export interface Transport {
  /** Starts delivering messages addressed to `id`. */
  attach(id: NodeId, deliver: (from: NodeId, msg: unknown) => void): Promise<void>;
  detach(id: NodeId): Promise<void>;
  send(from: NodeId, to: NodeId, msg: unknown): void;
  /**
   * Optional: takes the message now (a copy, or its bytes) and returns the function that sends it later.
   * The live runtime uses it for messages held until the node's writes are durable.
   */
  prepare?(from: NodeId, to: NodeId, msg: unknown): () => void;
  close(): Promise<void>;
}

/** What copyPlain() answers for a value that is not plain data: structuredClone copies it instead. */
const NOT_PLAIN = Symbol("not plain data");
/** Deeper than this, a value may be a cycle: structuredClone copies it. */
const MAX_PLAIN_DEPTH = 32;

/**
 * A deep copy of a message or timer payload, as structuredClone makes it. Messages are nearly always plain
 * data (objects, arrays, strings, numbers), which this copies by hand several times faster than
 * structuredClone, whose serializer costs microseconds even for a tiny object — a live node copies every
 * message it sends to a node of its own process. Anything else (a Map, a Date, a Buffer, a class instance,
 * a cycle) goes to structuredClone. One difference: an object referenced twice becomes two copies.
 */
export function copyMessage<T>(value: T): T {
  const copy = copyPlain(value, 0);
  return copy === NOT_PLAIN ? structuredClone(value) : (copy as T);
}

function copyPlain(value: unknown, depth: number): unknown {
  if (typeof value !== "object" || value === null) {
    // structuredClone refuses functions and symbols: let it, with its own error.
    return typeof value === "function" || typeof value === "symbol" ? NOT_PLAIN : value;
  }
  if (depth > MAX_PLAIN_DEPTH) return NOT_PLAIN;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_PLAIN;
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return NOT_PLAIN;
      const item = copyPlain(value[i], depth + 1);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out[i] = item;
    }
    return out;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copyPlain((value as Record<string, unknown>)[key], depth + 1);
    if (item === NOT_PLAIN) return NOT_PLAIN;
    out[key] = item;
  }
  return out;
}

/** An in-process message bus: delivery is asynchronous (next turn of the event loop) and copies the payload. */
export class EmbeddedTransport implements Transport {
  private readonly handlers = new Map<NodeId, (from: NodeId, msg: unknown) => void>();

  async attach(id: NodeId, deliver: (from: NodeId, msg: unknown) => void): Promise<void> {
    if (this.handlers.has(id)) throw new Error(`embedded transport: "${id}" is already attached`);
    this.handlers.set(id, deliver);
  }

  async detach(id: NodeId): Promise<void> {
    this.handlers.delete(id);
  }

  send(from: NodeId, to: NodeId, msg: unknown): void {
    const copy = copyMessage(msg);
    setImmediate(() => this.handlers.get(to)?.(from, copy));
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}

export interface LiveNodeOptions {
  transport: Transport;
  /** Where storage lives (one JSON file per node); in memory when omitted. */
  dataDir?: string;
  /**
   * Opens a node's storage instead (overrides dataDir). With a group-commit storage (DurableStorage), a
   * node's messages wait until every write it made before sending them is on disk.
   */
  openStorage?: (id: NodeId) => Storage;
  /** Seed for env.random(); a random seed when omitted. */
  seed?: number;
  onLog?: (id: NodeId, text: string) => void;
  /** A handler threw. The node keeps running (a demo must not die on one bad message). */
  onError?: (id: NodeId, error: unknown) => void;
}

export class LiveNode<S = unknown, M = unknown> {
  private current: S | undefined;
  private running = false;
  private attached = false;
  private incarnation = 0;
  private nextTimerId = 0;
  private readonly timers = new Map<TimerId, NodeJS.Timeout>();
  private readonly storage: Storage;
  private readonly random: Prng;
  /** The env of the running incarnation (one object per incarnation, not one per event). */
  private env: Env<M> | undefined;

  constructor(
    readonly id: NodeId,
    private readonly def: NodeDef<S, M>,
    private readonly options: LiveNodeOptions,
  ) {
    this.storage =
      options.openStorage?.(id) ??
      (options.dataDir === undefined
        ? new MemoryStorage()
        : new JsonFileStorage(join(options.dataDir, `${safeFileName(id)}.json`)));
    this.random = Prng.derive(options.seed ?? randomInt(0, 2 ** 32), id);
  }

  get state(): S | undefined {
    return this.current;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts receiving messages (dropped until the node runs); start() attaches too when needed. */
  async attach(): Promise<void> {
    if (this.attached) return;
    await this.options.transport.attach(this.id, (from, msg) => this.handleDelivery(from, msg as M));
    this.attached = true;
  }

  async start(): Promise<void> {
    await this.attach();
    this.boot();
  }

  /** Loses memory and timers, keeps storage; messages arriving while down are lost. */
  crash(): void {
    if (!this.running) return;
    this.running = false;
    this.incarnation++;
    this.current = undefined;
    for (const handle of this.timers.values()) clearTimeout(handle);
    this.timers.clear();
    if (isGroupCommitStorage(this.storage)) this.storage.loseUnflushed();
  }

  restart(): void {
    if (this.running) throw new Error(`restart("${this.id}"): the node is running; crash it first`);
    this.boot();
  }

  async stop(): Promise<void> {
    this.crash();
    if (this.attached) await this.options.transport.detach(this.id);
    this.attached = false;
    if (isGroupCommitStorage(this.storage)) await this.storage.close();
  }

  private boot(): void {
    this.running = true;
    const env = this.envOf(this.incarnation);
    this.run(() => this.def.init(env), true);
  }

  private handleDelivery(from: NodeId, msg: M): void {
    if (!this.running) return;
    const env = this.envOf(this.incarnation);
    this.run(() => this.def.onMessage(this.current as S, from, msg, env));
  }

  private run(handler: () => S | void, isInit = false): void {
    try {
      const result = handler();
      if (result !== undefined || isInit) this.current = result as S;
    } catch (error) {
      (this.options.onError ?? defaultOnError)(this.id, error);
    }
  }

  private envOf(incarnation: number): Env<M> {
    if (this.env === undefined || this.envIncarnation !== incarnation) {
      this.env = this.makeEnv(incarnation);
      this.envIncarnation = incarnation;
    }
    return this.env;
  }

  private envIncarnation = -1;

  private makeEnv(incarnation: number): Env<M> {
    const alive = () => this.running && this.incarnation === incarnation;
    return {
      id: this.id,
      storage: this.storage,
      send: (to, msg) => {
        if (!alive()) return;
        if (!isGroupCommitStorage(this.storage)) return this.options.transport.send(this.id, to, msg);
        // Held until the writes made before it are durable; taken now, as the node may change it later.
        const transport = this.options.transport;
        const copy = transport.prepare ? undefined : copyMessage(msg);
        const sendLater = transport.prepare?.(this.id, to, msg) ?? (() => transport.send(this.id, to, copy));
        this.storage.afterDurable(() => {
          if (alive()) sendLater();
        });
      },
      setTimer: (name, delayMs, payload) => {
        const timer = ++this.nextTimerId;
        if (!alive()) return timer;
        const copy = payload === undefined ? undefined : copyMessage(payload);
        const handle = setTimeout(() => {
          if (!this.timers.delete(timer) || !alive()) return;
          const env = this.envOf(incarnation);
          this.run(() => this.def.onTimer(this.current as S, { id: timer, name, payload: copy }, env));
        }, delayMs);
        this.timers.set(timer, handle);
        return timer;
      },
      cancelTimer: (timer) => {
        clearTimeout(this.timers.get(timer));
        this.timers.delete(timer);
      },
      now: () => Date.now(),
      random: () => this.random.next(),
      log: (...args) => {
        const text = args.map((a) => (typeof a === "string" ? a : canonicalJson(a))).join(" ");
        (this.options.onLog ?? defaultOnLog)(this.id, text);
      },
    };
  }
}

export interface LiveCluster {
  nodes: Map<NodeId, LiveNode>;
  stop(): Promise<void>;
}

/** Starts one live node per definition on a shared transport; stop() stops them all and closes the transport. */
export async function startLiveCluster(
  defs: Record<NodeId, NodeDef<unknown, unknown>>,
  options: LiveNodeOptions,
): Promise<LiveCluster> {
  const nodes = new Map<NodeId, LiveNode>();
  for (const [id, def] of Object.entries(defs)) nodes.set(id, new LiveNode(id, def, options));
  // Every node listens before any runs. Attaching over a real network takes a round trip (NATS: until
  // the server confirms the subscription), and a node started earlier may send meanwhile: its message
  // would reach a node that is not running yet, which drops it like a crashed node would.
  for (const node of nodes.values()) await node.attach();
  for (const node of nodes.values()) await node.start();
  return {
    nodes,
    stop: async () => {
      for (const node of nodes.values()) await node.stop();
      await options.transport.close();
    },
  };
}

function defaultOnLog(id: NodeId, text: string): void {
  process.stdout.write(`[${id}] ${text}\n`);
}

function defaultOnError(id: NodeId, error: unknown): void {
  process.stderr.write(
    `[${id}] handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
}

function safeFileName(id: NodeId): string {
  return id.replace(/[^A-Za-z0-9._-]/g, "_");
}
