// The system under test on the simulator, for the visible and hidden tests. Every node (view service,
// replicas, clients, cache) runs in the node host, away from this process; the tests see only data: the
// nodes' states, the trace, and what the clients answered. A driver endpoint invokes operations on the
// clients and records the history that the linearizability checker judges.
import type { KvInput, KvOperation, KvOutput } from "@distlab/kit/check";
import { nodeHost, type NodeHost } from "@distlab/kit/sandbox";
import type { LinkConfig, NodeId, Prng, SimClient, Simulator, TraceEvent } from "@distlab/kit/sim";
import type { CacheState } from "../src/cache.ts";
import type { ClientState } from "../src/client.ts";
import type { Message, Operation, Result, View } from "../src/messages.ts";
import type { Mode, ReplicaState } from "../src/replica.ts";
import type { ViewServiceState } from "../src/viewservice.ts";

export const LAB = "05";
export const VS = "viewservice";
export const CACHE = "cache";
/** The test's own endpoint: it invokes operations on the clients and collects their answers. */
export const DRIVER = "tester";

/** Servers of a new system start this far apart (virtual ms): longer than a ping's round trip. */
export const SERVER_STAGGER_MS = 50;

/** A link that never loses, duplicates or delays anything: between the driver and the clients. */
const DIRECT: Partial<LinkConfig> = {
  minDelay: 0,
  maxDelay: 0,
  dropRate: 0,
  duplicateRate: 0,
  reorderRate: 0,
  fifo: true,
};

/** Clients that keep invoking random operations on a few keys until `until` (virtual ms). */
export interface WorkloadOptions {
  clients: NodeId[];
  keys: string[];
  ops: Array<"get" | "put" | "append">;
  until: number;
  rng: Prng;
  /** The most a client waits between an answer and its next operation (virtual ms); default 5. */
  thinkMs?: number;
}

export interface SystemOptions {
  mode?: Mode;
  /** Clients read through a cache node (added as CACHE). */
  cache?: boolean;
}

/** One operation the driver invoked: call and return are logical stamps, ordered as events happened. */
export interface Invocation {
  client: NodeId;
  id: number;
  op: Operation;
  call: number;
  callTime: number;
  return: number | null;
  returnTime: number | null;
  result: Result | null;
}

export class PbSystem {
  readonly invocations: Invocation[] = [];
  private readonly driver: SimClient<Message>;
  private readonly byId = new Map<number, Invocation>();
  private readonly clients: NodeId[] = [];
  private readonly listeners: Array<(invocation: Invocation) => void> = [];
  private stamp = 0;
  /** When the workload stops invoking (virtual ms); settle() waits for it. */
  private workloadUntil = 0;

  private constructor(
    readonly sim: Simulator,
    readonly host: NodeHost,
    readonly options: Required<SystemOptions>,
  ) {
    this.driver = sim.addClient<Message>(DRIVER, (_from, msg) => {
      if (msg.type !== "done") return;
      const invocation = this.byId.get(msg.id);
      if (invocation === undefined || invocation.result !== null) return;
      Object.assign(invocation, { result: msg.result, return: ++this.stamp, returnTime: sim.now });
      for (const listener of this.listeners) listener(invocation);
    });
  }

  /** A view service, `servers` replicas s1…sN and `clients` clients c1…cN (plus the cache, if asked). */
  static async open(sim: Simulator, servers: number, clients: number, options: SystemOptions = {}): Promise<PbSystem> {
    const system = new PbSystem(sim, await nodeHost(), { mode: options.mode ?? "sync", cache: options.cache ?? false });
    system.addViewService();
    if (system.options.cache) system.addCache();
    // One server after the other, far enough apart that s1 is primary, s2 backup, s3 the next, and so on.
    for (let i = 1; i <= servers; i++) sim.at(sim.now + (i - 1) * SERVER_STAGGER_MS, () => system.addServer(`s${i}`));
    for (let i = 1; i <= clients; i++) system.addClient(`c${i}`);
    return system;
  }

  addViewService(): void {
    this.sim.addNode(VS, this.host.node("viewservice.ts", "viewServiceNode"));
  }

  addServer(id: NodeId): void {
    this.sim.addNode(id, this.host.node("replica.ts", "replicaNode", { viewService: VS, mode: this.options.mode }));
  }

  addCache(): void {
    this.sim.addNode(CACHE, this.host.node("cache.ts", "cacheNode"));
  }

  addClient(id: NodeId): void {
    const cache = this.options.cache ? CACHE : null;
    this.sim.addNode(id, this.host.node("client.ts", "clientNode", { viewService: VS, cache }));
    this.sim.setLink(DRIVER, id, DIRECT);
    this.sim.setLink(id, DRIVER, DIRECT);
    this.clients.push(id);
  }

  /** Asks `client` to run `op`; the invocation fills in when the client answers. */
  invoke(client: NodeId, op: Operation): Invocation {
    const id = this.invocations.length + 1;
    const invocation: Invocation = {
      client,
      id,
      op,
      call: ++this.stamp,
      callTime: this.sim.now,
      return: null,
      returnTime: null,
      result: null,
    };
    this.invocations.push(invocation);
    this.byId.set(id, invocation);
    this.driver.send(client, { type: "invoke", id, op });
    return invocation;
  }

  /** Runs one operation to its answer, or fails saying what did not come back. */
  run(client: NodeId, op: Operation, within = 10_000): Result {
    const invocation = this.invoke(client, op);
    if (!this.sim.runUntil(() => invocation.result !== null, { within })) {
      throw new Error(
        `${client}: ${describeOp(op)} got no answer within ${within} ms of virtual time (view: ${describeView(this.view())})`,
      );
    }
    return invocation.result!;
  }

  /**
   * Each client invokes a random operation, then another once it is answered (after a short think time),
   * until `until`. Values are unique (client and count), so a read says which write it saw.
   */
  startWorkload(options: WorkloadOptions): void {
    this.workloadUntil = Math.max(this.workloadUntil, options.until);
    const count = new Map<NodeId, number>();
    const next = (client: NodeId) => {
      if (this.sim.now >= options.until) return;
      const n = (count.get(client) ?? 0) + 1;
      count.set(client, n);
      const key = options.rng.pick(options.keys);
      const kind = options.rng.pick(options.ops);
      const op: Operation =
        kind === "get"
          ? { op: "get", key }
          : { op: kind, key, value: kind === "put" ? `${client}.${n}` : `${client}.${n};` };
      this.invoke(client, op);
    };
    this.listeners.push((invocation) => {
      if (options.clients.includes(invocation.client))
        this.sim.after(options.rng.int(0, options.thinkMs ?? 5), () => next(invocation.client));
    });
    for (const client of options.clients) next(client);
  }

  get(client: NodeId, key: string, within?: number): string | null {
    return (this.run(client, { op: "get", key }, within) as { value: string | null }).value;
  }

  put(client: NodeId, key: string, value: string, within?: number): Result {
    return this.run(client, { op: "put", key, value }, within);
  }

  append(client: NodeId, key: string, value: string, within?: number): Result {
    return this.run(client, { op: "append", key, value }, within);
  }

  /** Runs until the workload is over and every invocation has its answer, or fails naming the ones waiting. */
  settle(within = 30_000): void {
    const over = () => this.sim.now >= this.workloadUntil && this.pending().length === 0;
    if (this.sim.runUntil(over, { within: within + Math.max(0, this.workloadUntil - this.sim.now) })) return;
    const waiting = this.pending().map((i) => `${i.client}: ${describeOp(i.op)} (invoked at t=${i.callTime})`);
    throw new Error(
      `${waiting.length} operation(s) still unanswered ${within} ms later (view: ${describeView(this.view())}):\n  ${waiting.join("\n  ")}`,
    );
  }

  pending(): Invocation[] {
    return this.invocations.filter((invocation) => invocation.result === null);
  }

  /** Runs until the view service's view satisfies `test`; returns it, or fails describing the last one. */
  waitForView(what: string, test: (view: View, acked: boolean) => boolean, within = 5_000): View {
    const holds = () => {
      const state = this.viewService();
      return test(state.view, state.primaryAcked);
    };
    if (!this.sim.runUntil(holds, { within }))
      throw new Error(`expected ${what} within ${within} ms, but the view is ${describeView(this.view())}`);
    return this.view();
  }

  viewService(): ViewServiceState {
    return this.sim.state<ViewServiceState>(VS);
  }

  view(): View {
    return this.viewService().view;
  }

  replica(id: NodeId): ReplicaState {
    return this.sim.state<ReplicaState>(id);
  }

  client(id: NodeId): ClientState {
    return this.sim.state<ClientState>(id);
  }

  cache(): CacheState {
    return this.sim.state<CacheState>(CACHE);
  }

  /** Every completed or pending operation as the checker's KV history (pending ones: outcome unknown). */
  history(invocations: Invocation[] = this.invocations): KvOperation[] {
    return invocations.map((invocation) => ({
      client: this.clients.indexOf(invocation.client),
      call: invocation.call,
      return: invocation.return,
      input: kvInput(invocation.op),
      output: invocation.result === null ? null : kvOutput(invocation.op, invocation.result),
    }));
  }

  /** Messages of one type sent so far, with sender and receiver. */
  sent<T extends Message["type"]>(
    type: T,
  ): Array<{ from: NodeId; to: NodeId; t: number; msg: Extract<Message, { type: T }> }> {
    return this.sim
      .traceEvents()
      .filter((e): e is Extract<TraceEvent, { kind: "send" }> => e.kind === "send" && (e.msg as Message).type === type)
      .map((e) => ({ from: e.from, to: e.to, t: e.t, msg: e.msg as Extract<Message, { type: T }> }));
  }
}

export function kvInput(op: Operation): KvInput {
  if (op.op === "get" || op.op === "delete") return { op: op.op, key: op.key };
  if ("ifMatch" in op && op.ifMatch !== undefined)
    throw new Error(`the KV model has no versions: keep ifMatch out of checked histories (${describeOp(op)})`);
  return { op: op.op, key: op.key, value: op.value };
}

export function kvOutput(op: Operation, result: Result): KvOutput {
  if ("mismatch" in result)
    throw new Error(`${describeOp(op)} was refused (mismatch), which a checked history cannot hold`);
  return op.op === "get" ? { value: (result as { value: string | null }).value } : {};
}

export function describeOp(op: Operation): string {
  return op.op === "get" || op.op === "delete"
    ? `${op.op}(${op.key})`
    : `${op.op}(${op.key}, ${JSON.stringify(op.value)})`;
}

export function describeView(view: View): string {
  return `view ${view.num} (primary ${view.primary ?? "none"}, backup ${view.backup ?? "none"})`;
}
