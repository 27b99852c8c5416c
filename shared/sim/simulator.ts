// The deterministic simulator: many nodes in one process, one seeded PRNG for the network, one per node
// for env.random(), and a virtual clock that jumps from event to event. Same seed, same trace, byte for byte.
import { cloneMessage, makeEnv, newEndpoint, runHandler, SimulationError, type Endpoint } from "./endpoint.ts";
import { NondeterminismGuard, type Violation } from "./guard.ts";
import { Network } from "./network.ts";
import { Prng } from "./prng.ts";
import { EventQueue } from "./queue.ts";
import type { SimClient, SimEvent, SimObserver, SimulatorOptions, StepInfo } from "./simulator-types.ts";
import type { MemoryStorage } from "./storage.ts";
import { TraceRecorder } from "./trace.ts";
import type { LinkConfig, NodeDef, NodeId, TimerId, TraceEvent, TraceHeader } from "./types.ts";

export { SimulationError };
export type { SimClient, SimObserver, SimulatorOptions, StepInfo };

const MAX_EVENTS_AT_ONE_INSTANT = 1_000_000;

export class Simulator {
  readonly seed: number;
  readonly name: string;
  readonly network: Network;
  private readonly netRandom: Prng;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly endpoints = new Map<NodeId, Endpoint>();
  private readonly trace: TraceRecorder;
  private readonly guard: NondeterminismGuard;
  private readonly bufferedStorage: boolean;
  private readonly observers: SimObserver[] = [];
  private clock = 0;
  private seq = 0;
  private nextMessageId = 0;
  private processed = 0;

  constructor(options: SimulatorOptions) {
    this.seed = options.seed;
    this.name = options.name ?? "scenario";
    this.network = new Network(options.network);
    this.netRandom = Prng.derive(options.seed, "\u0000network");
    this.trace = new TraceRecorder(options.trace ?? true);
    this.guard = new NondeterminismGuard(options.guard ?? "record");
    const durability = options.durability ?? "immediate";
    if (durability !== "immediate" && durability !== "sync")
      throw new RangeError(`durability must be "immediate" or "sync", got ${JSON.stringify(durability)}`);
    this.bufferedStorage = durability === "sync";
  }

  /** Calls the observer's hooks from now on; returns a function that stops it. */
  observe(observer: SimObserver): () => void {
    this.observers.push(observer);
    return () => {
      const index = this.observers.indexOf(observer);
      if (index >= 0) this.observers.splice(index, 1);
    };
  }

  /** Current virtual time in milliseconds. */
  get now(): number {
    return this.clock;
  }

  /** Number of events processed so far. */
  get eventCount(): number {
    return this.processed;
  }

  get nodeIds(): NodeId[] {
    return [...this.endpoints.values()].filter((e) => e.def !== undefined).map((e) => e.id);
  }

  /** Calls of Math.random, Date.now or real timers made by node code so far. */
  get violations(): readonly Violation[] {
    return this.guard.violations;
  }

  addNode<S, M>(id: NodeId, def: NodeDef<S, M>): void {
    const endpoint = this.addEndpoint(id);
    endpoint.def = def as NodeDef<unknown, unknown>;
    this.trace.record({ t: this.clock, kind: "start", node: id });
    this.boot(endpoint);
  }

  /**
   * Adds a client endpoint; `onMessage` (optional) runs on each delivery, after it lands in the inbox. A
   * client gets the message the trace records, not a copy: it reads what arrives and does not change it.
   */
  addClient<M = unknown>(id: NodeId, onMessage?: (from: NodeId, msg: M) => void): SimClient<M> {
    const endpoint = this.addEndpoint(id);
    const inbox: Array<{ from: NodeId; msg: M; time: number }> = [];
    endpoint.client = { inbox, onMessage: onMessage as ((from: NodeId, msg: unknown) => void) | undefined };
    return { id, inbox, send: (to, msg) => this.transmit(id, to, msg) };
  }

  /** Sends from a client endpoint (created on first use) through the simulated network. */
  clientSend<M>(from: NodeId, to: NodeId, msg: M): void {
    if (!this.endpoints.has(from)) this.addClient(from);
    else if (this.endpoints.get(from)?.client === undefined)
      throw new Error(`clientSend: "${from}" is a node, not a client`);
    this.transmit(from, to, msg);
  }

  /**
   * The live state of a node (undefined while it is crashed). Read it; do not change it from a test. A node
   * whose state lives elsewhere (the node host) is asked for it.
   */
  state<S>(id: NodeId): S {
    const endpoint = this.endpoint(id);
    const def = endpoint.def as (NodeDef<unknown, unknown> & { inspect?: (handle: unknown) => unknown }) | undefined;
    if (endpoint.state !== undefined && typeof def?.inspect === "function") return def.inspect(endpoint.state) as S;
    return endpoint.state as S;
  }

  storage(id: NodeId): MemoryStorage {
    return this.endpoint(id).storage;
  }

  isUp(id: NodeId): boolean {
    return this.endpoint(id).up;
  }

  /** Runs `action` at absolute virtual time `time` (e.g. a crash in the middle of a scenario). */
  at(time: number, action: () => void): void {
    if (time < this.clock) throw new RangeError(`at(${time}): that is in the past (now is ${this.clock})`);
    this.queue.push({ time, seq: this.seq++, type: "call", action });
  }

  after(delayMs: number, action: () => void): void {
    this.at(this.clock + delayMs, action);
  }

  configureNetwork(options: Partial<LinkConfig>): void {
    this.network.configure(options);
  }

  setLink(from: NodeId, to: NodeId, options: Partial<LinkConfig>): void {
    this.network.setLink(from, to, options);
  }

  partition(groups: NodeId[][]): void {
    this.network.partition(groups);
    this.trace.record({ t: this.clock, kind: "partition", groups: this.network.groups });
  }

  heal(): void {
    this.network.heal();
    this.trace.record({ t: this.clock, kind: "heal" });
  }

  /** Loses the node's memory, its pending timers and the messages in flight to it; keeps its storage. */
  crash(id: NodeId): void {
    const endpoint = this.endpoint(id);
    if (endpoint.def === undefined) throw new Error(`crash("${id}"): clients do not crash`);
    if (!endpoint.up) throw new Error(`crash("${id}"): the node is already down`);
    endpoint.up = false;
    endpoint.state = undefined;
    endpoint.incarnation++;
    endpoint.timers.clear();
    endpoint.storage.loseUnsynced();
    this.trace.record({ t: this.clock, kind: "crash", node: id });
  }

  /** Starts a crashed node again: init() runs with the storage it had. */
  restart(id: NodeId): void {
    const endpoint = this.endpoint(id);
    if (endpoint.up) throw new Error(`restart("${id}"): the node is running; crash it first`);
    this.trace.record({ t: this.clock, kind: "restart", node: id });
    this.boot(endpoint);
  }

  /** Processes every event up to now + ms; the clock then reads now + ms. */
  runFor(ms: number): void {
    const end = this.clock + ms;
    while (this.queue.size > 0 && (this.queue.peek() as SimEvent).time <= end) this.step();
    this.clock = end;
  }

  /** Runs until `done()` holds (checked after each event) or `within` ms pass. Returns whether it held. */
  runUntil(done: () => boolean, { within = 60_000 }: { within?: number } = {}): boolean {
    const end = this.clock + within;
    if (done()) return true;
    while (this.queue.size > 0 && (this.queue.peek() as SimEvent).time <= end) {
      this.step();
      if (done()) return true;
    }
    this.clock = end;
    return false;
  }

  /** Adds the test's own observation of `node` to the trace, so the timeline shows it in that node's column. */
  annotate(node: NodeId, text: string): void {
    this.trace.record({ t: this.clock, kind: "note", node, text });
  }

  traceEvents(): TraceEvent[] {
    return this.trace.events();
  }

  traceLines(): readonly string[] {
    return this.trace.lines;
  }

  /** sha256 of the canonical trace: equal hashes mean identical runs. */
  traceHash(): string {
    return this.trace.hash();
  }

  traceHeader(): TraceHeader {
    return {
      kind: "header",
      format: "distlab-trace/1",
      seed: this.seed,
      scenario: this.name,
      nodes: [...this.endpoints.keys()],
    };
  }

  writeTrace(file: string): void {
    this.trace.write(file, this.traceHeader());
  }

  private sameInstantCount = 0;

  private step(): void {
    const event = this.queue.pop() as SimEvent;
    this.sameInstantCount = event.time === this.clock ? this.sameInstantCount + 1 : 0;
    if (this.sameInstantCount > MAX_EVENTS_AT_ONE_INSTANT) {
      throw new SimulationError(
        `more than ${MAX_EVENTS_AT_ONE_INSTANT} events at t=${this.clock}ms without time moving: a zero-delay timer or message loop? (seed ${this.seed})`,
      );
    }
    this.clock = event.time;
    this.processed++;
    let step: StepInfo | undefined;
    if (event.type === "call") {
      event.action();
      step = { kind: "action", node: undefined, time: this.clock };
    } else if (event.type === "deliver") {
      if (this.deliver(event)) step = { kind: "message", node: event.to, time: this.clock };
    } else if (this.fire(event)) {
      step = { kind: "timer", node: event.node, time: this.clock };
    }
    if (step !== undefined) for (const observer of this.observers) observer.afterStep?.(step);
  }

  /** Delivers a message; false when the network or a crash dropped it instead. */
  private deliver(event: Extract<SimEvent, { type: "deliver" }>): boolean {
    const { from, to, mid } = event;
    const target = this.endpoints.get(to) as Endpoint;
    if (!target.up || target.incarnation !== event.incarnation) {
      this.trace.record({ t: this.clock, kind: "drop", from, to, mid, reason: "crashed" });
      return false;
    }
    if (!this.network.connected(from, to)) {
      this.trace.record({ t: this.clock, kind: "drop", from, to, mid, reason: "partition" });
      return false;
    }
    this.trace.record({ t: this.clock, kind: "deliver", from, to, mid });
    // The travelling copy is the trace's. A node in this process gets its own (node code changes what it
    // holds); the node host copies what it is sent anyway; a client (the test's own code) reads it as is.
    if (target.client !== undefined) {
      target.client.inbox.push({ from, msg: event.msg, time: this.clock });
      target.client.onMessage?.(from, event.msg);
      return true;
    }
    const def = target.def as NodeDef<unknown, unknown> & { remote?: boolean };
    const msg = def.remote === true ? event.msg : structuredClone(event.msg);
    this.invoke(target, `a message from "${from}"`, (state, env) => def.onMessage(state, from, msg, env));
    return true;
  }

  /** Fires a timer; false when it was cancelled or belongs to an incarnation that crashed. */
  private fire(event: Extract<SimEvent, { type: "timer" }>): boolean {
    const node = this.endpoints.get(event.node) as Endpoint;
    if (!node.up || node.incarnation !== event.incarnation || !node.timers.delete(event.timer)) return false;
    this.trace.record({ t: this.clock, kind: "timer-fire", node: node.id, timer: event.timer, name: event.name });
    const def = node.def as NodeDef<unknown, unknown>;
    const timer = { id: event.timer, name: event.name, payload: event.payload };
    this.invoke(node, `timer "${event.name}"`, (state, env) => def.onTimer(state, timer, env));
    return true;
  }

  private boot(endpoint: Endpoint): void {
    endpoint.up = true;
    endpoint.env = makeEnv(endpoint, {
      now: () => this.clock,
      transmit: (from, to, msg, owned) => this.transmit(from, to, msg, owned),
      record: (event) => this.trace.record(event),
      scheduleTimer: (node, timer, name, delayMs, payload) => this.scheduleTimer(node, timer, name, delayMs, payload),
      reportViolation: (node, api) => this.guard.record(node, this.clock, api),
    });
    const def = endpoint.def as NodeDef<unknown, unknown>;
    endpoint.state = undefined;
    this.invoke(endpoint, "init", (_state, env) => def.init(env));
  }

  private invoke(endpoint: Endpoint, what: string, handler: Parameters<typeof runHandler>[2]): void {
    runHandler(endpoint, what, handler, { guard: this.guard, now: this.clock, seed: this.seed });
  }

  private scheduleTimer(node: Endpoint, timer: TimerId, name: string, delayMs: number, payload: unknown): void {
    const time = this.clock + delayMs;
    this.queue.push({
      time,
      seq: this.seq++,
      type: "timer",
      node: node.id,
      timer,
      name,
      payload,
      incarnation: node.incarnation,
    });
  }

  /**
   * Sends a message through the network. The copy that travels is made once, here (or is `msg` itself when
   * the sender hands over a message nobody else holds: one decoded from the node host); the trace and
   * every delivery share it, and a receiver in this process gets its own copy (see deliver).
   */
  private transmit(from: NodeId, to: NodeId, msg: unknown, owned = false): void {
    const mid = ++this.nextMessageId;
    let travelling: unknown = msg;
    let uncloneable: unknown;
    if (!owned) {
      try {
        travelling = structuredClone(msg);
      } catch (error) {
        uncloneable = error;
      }
    }
    const sent = { t: this.clock, kind: "send", from, to, mid, msg: travelling } as const;
    if (uncloneable === undefined) this.trace.record(sent);
    else this.trace.recordNow(sent);
    for (const observer of this.observers) observer.onSend?.(from, to, msg);
    const target = this.endpoints.get(to);
    if (target === undefined)
      return this.trace.record({ t: this.clock, kind: "drop", from, to, mid, reason: "unknown-node" });
    if (!this.network.connected(from, to))
      return this.trace.record({ t: this.clock, kind: "drop", from, to, mid, reason: "partition" });
    const link = this.network.link(from, to);
    if (this.netRandom.chance(link.dropRate))
      return this.trace.record({ t: this.clock, kind: "drop", from, to, mid, reason: "random" });
    if (uncloneable !== undefined) cloneMessage(msg, from, to);
    const copies = this.netRandom.chance(link.duplicateRate) ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      if (copy > 0) this.trace.record({ t: this.clock, kind: "duplicate", from, to, mid });
      const time = this.network.arrivalTime(from, to, this.clock, link, this.netRandom);
      this.queue.push({
        time,
        seq: this.seq++,
        type: "deliver",
        from,
        to,
        mid,
        msg: travelling,
        incarnation: target.incarnation,
      });
    }
  }

  private addEndpoint(id: NodeId): Endpoint {
    if (this.endpoints.has(id)) throw new Error(`"${id}" is already in the simulation`);
    const endpoint = newEndpoint(id, this.seed, this.bufferedStorage);
    this.endpoints.set(id, endpoint);
    return endpoint;
  }

  private endpoint(id: NodeId): Endpoint {
    const endpoint = this.endpoints.get(id);
    if (endpoint === undefined)
      throw new Error(`no node or client "${id}" in this simulation (have: ${[...this.endpoints.keys()].join(", ")})`);
    return endpoint;
  }
}
