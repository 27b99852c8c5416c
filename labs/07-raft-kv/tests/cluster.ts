// The system under test on the simulator, for the visible and hidden tests: servers (Raft and the KV
// state machine) and clerks, every one of them running in the node host, away from this process. A driver
// endpoint invokes operations on the clerks and records what they answered, as a history for the
// linearizability checker. The tests see only data: answers, node states read from the host, the trace.
import type { Operation as CheckedOperation } from "@distlab/kit/check";
import { nodeHost, type NodeHost } from "@distlab/kit/sandbox";
import type { LinkConfig, NodeId, Prng, SimClient, Simulator } from "@distlab/kit/sim";
import type { ClerkState } from "../src/clerk.ts";
import type { KvMessage, Operation, Result } from "../src/messages.ts";
import type { KvServerOptions, KvServerState } from "../src/server.ts";
import { describeResult, type HistoryOp } from "./model.ts";

export const LAB = "07";
/** The test's own endpoint: it invokes operations on the clerks and collects their answers. */
export const DRIVER = "tester";

/** Between the driver and its clerks nothing is lost, delayed or reordered: the clerk is the client. */
const DIRECT: Partial<LinkConfig> = {
  minDelay: 0,
  maxDelay: 0,
  dropRate: 0,
  duplicateRate: 0,
  reorderRate: 0,
  fifo: true,
};

export interface ClusterOptions {
  servers: number;
  clerks: number;
  /** Snapshot past this many log entries (null: never; default 20, which keeps every run's log short). */
  maxLogEntries?: number | null;
  raft?: KvServerOptions["raft"];
  /** Clerks give up after this long and answer "unknown" (null: never). */
  deadlineMs?: number | null;
}

/** One operation the driver invoked: `call` and `return` are stamps in the order things happened. */
export interface Invocation {
  clerk: NodeId;
  id: number;
  op: Operation;
  call: number;
  callTime: number;
  return: number | null;
  returnTime: number | null;
  /** The clerk's answer; null until it comes, and for ever when the clerk answered "unknown". */
  result: Result | null;
  /** The clerk gave up without learning whether the operation took effect. */
  unknown: boolean;
}

export interface WorkloadOptions {
  clerks: NodeId[];
  keys: string[];
  ops: Array<"get" | "put" | "append" | "versioned-put">;
  until: number;
  rng: Prng;
  /** The most a clerk waits between an answer and its next operation (virtual ms); default 5. */
  thinkMs?: number;
}

export class RaftKvCluster {
  readonly invocations: Invocation[] = [];
  readonly servers: NodeId[];
  readonly clerks: NodeId[];
  private readonly driver: SimClient<KvMessage>;
  private readonly byId = new Map<number, Invocation>();
  private readonly listeners: Array<(invocation: Invocation) => void> = [];
  /** The last version each clerk saw of each key, for versioned puts: "clerk key" → version. */
  private readonly seenVersions = new Map<string, number>();
  private stamp = 0;
  private workloadUntil = 0;

  private constructor(
    readonly sim: Simulator,
    readonly host: NodeHost,
    readonly options: ClusterOptions,
  ) {
    this.servers = Array.from({ length: options.servers }, (_, i) => `s${i + 1}`);
    this.clerks = Array.from({ length: options.clerks }, (_, i) => `c${i + 1}`);
    this.driver = sim.addClient<KvMessage>(DRIVER, (_from, msg) => this.handleDone(msg));
  }

  /** Servers s1…sN and clerks c1…cM on the simulator. */
  static async open(sim: Simulator, options: ClusterOptions): Promise<RaftKvCluster> {
    const cluster = new RaftKvCluster(sim, await nodeHost(), options);
    for (const id of cluster.servers) cluster.addServer(id);
    for (const id of cluster.clerks) cluster.addClerk(id);
    return cluster;
  }

  private addServer(id: NodeId): void {
    const options: KvServerOptions = {
      servers: this.servers,
      maxLogEntries: this.options.maxLogEntries === undefined ? 20 : this.options.maxLogEntries,
      ...(this.options.raft ? { raft: this.options.raft } : {}),
    };
    this.sim.addNode(id, this.host.node("server.ts", "kvServerNode", options));
  }

  private addClerk(id: NodeId): void {
    const options = { servers: this.servers, deadlineMs: this.options.deadlineMs ?? null };
    this.sim.addNode(id, this.host.node("clerk.ts", "clerkNode", options));
    this.sim.setLink(DRIVER, id, DIRECT);
    this.sim.setLink(id, DRIVER, DIRECT);
  }

  private handleDone(msg: KvMessage): void {
    if (msg.type !== "done") return;
    const invocation = this.byId.get(msg.id);
    if (invocation === undefined || invocation.return !== null || invocation.unknown) return;
    if ("unknown" in msg) invocation.unknown = true;
    else Object.assign(invocation, { result: msg.result, return: ++this.stamp, returnTime: this.sim.now });
    if (invocation.result !== null && "value" in invocation.result && invocation.result.version !== null)
      this.seenVersions.set(`${invocation.clerk} ${invocation.op.key}`, invocation.result.version);
    if (invocation.result !== null && "version" in invocation.result && invocation.result.version !== null)
      this.seenVersions.set(`${invocation.clerk} ${invocation.op.key}`, invocation.result.version);
    for (const listener of this.listeners) listener(invocation);
  }

  /** Asks `clerk` to run `op`; the invocation fills in when the clerk answers. */
  invoke(clerk: NodeId, op: Operation): Invocation {
    const id = this.invocations.length + 1;
    const invocation: Invocation = {
      clerk,
      id,
      op,
      call: ++this.stamp,
      callTime: this.sim.now,
      return: null,
      returnTime: null,
      result: null,
      unknown: false,
    };
    this.invocations.push(invocation);
    this.byId.set(id, invocation);
    this.driver.send(clerk, { type: "invoke", id, op });
    return invocation;
  }

  /** Runs one operation to its answer, or fails saying what did not come back. */
  run(clerk: NodeId, op: Operation, within = 10_000): Result {
    const invocation = this.invoke(clerk, op);
    if (!this.sim.runUntil(() => invocation.result !== null || invocation.unknown, { within })) {
      throw new Error(
        `${clerk}: ${describeOp(op)} got no answer within ${within} ms of virtual time (${this.describeLeaders()})`,
      );
    }
    if (invocation.unknown) throw new Error(`${clerk}: ${describeOp(op)} ended with "unknown" (the clerk gave up)`);
    return invocation.result!;
  }

  get(clerk: NodeId, key: string, within?: number): { value: string | null; version: number | null } {
    return this.run(clerk, { op: "get", key }, within) as { value: string | null; version: number | null };
  }

  put(clerk: NodeId, key: string, value: string, ifMatch?: number, within?: number): Result {
    const op: Operation = ifMatch === undefined ? { op: "put", key, value } : { op: "put", key, value, ifMatch };
    return this.run(clerk, op, within);
  }

  append(clerk: NodeId, key: string, value: string, within?: number): Result {
    return this.run(clerk, { op: "append", key, value }, within);
  }

  /**
   * Each clerk invokes a random operation, then another once answered (after a short think time), until
   * `until`. Values are unique (clerk and count), so a read says which write it saw. A versioned put
   * expects the version the clerk last saw of the key.
   */
  startWorkload(options: WorkloadOptions): void {
    this.workloadUntil = Math.max(this.workloadUntil, options.until);
    const count = new Map<NodeId, number>();
    const next = (clerk: NodeId) => {
      if (this.sim.now >= options.until) return;
      const n = (count.get(clerk) ?? 0) + 1;
      count.set(clerk, n);
      this.invoke(clerk, this.randomOp(clerk, n, options));
    };
    this.listeners.push((invocation) => {
      if (options.clerks.includes(invocation.clerk))
        this.sim.after(options.rng.int(0, options.thinkMs ?? 5), () => next(invocation.clerk));
    });
    for (const clerk of options.clerks) next(clerk);
  }

  private randomOp(clerk: NodeId, n: number, options: WorkloadOptions): Operation {
    const key = options.rng.pick(options.keys);
    const kind = options.rng.pick(options.ops);
    if (kind === "get") return { op: "get", key };
    if (kind === "append") return { op: "append", key, value: `${clerk}.${n};` };
    const value = `${clerk}.${n}`;
    const seen = this.seenVersions.get(`${clerk} ${key}`);
    return kind === "versioned-put" && seen !== undefined
      ? { op: "put", key, value, ifMatch: seen }
      : { op: "put", key, value };
  }

  /** Runs the simulation until the workload stops invoking (faults scheduled meanwhile happen as planned). */
  runWorkload(): void {
    this.sim.runFor(Math.max(0, this.workloadUntil - this.sim.now));
  }

  /** Runs until the workload is over and every invocation is answered, or fails naming the ones waiting. */
  settle(within = 30_000): void {
    const over = () => this.sim.now >= this.workloadUntil && this.pending().length === 0;
    if (this.sim.runUntil(over, { within: within + Math.max(0, this.workloadUntil - this.sim.now) })) return;
    const waiting = this.pending().map((i) => `${i.clerk}: ${describeOp(i.op)} (invoked at t=${i.callTime})`);
    throw new Error(
      `${waiting.length} operation(s) still unanswered ${within} ms after the load stopped (${this.describeLeaders()}):\n  ${waiting.join("\n  ")}`,
    );
  }

  pending(): Invocation[] {
    return this.invocations.filter((invocation) => invocation.result === null && !invocation.unknown);
  }

  server(id: NodeId): KvServerState {
    return this.sim.state<KvServerState>(id);
  }

  clerk(id: NodeId): ClerkState {
    return this.sim.state<ClerkState>(id);
  }

  /** The servers that are up and believe they lead, with their terms. */
  leaders(): Array<{ id: NodeId; term: number }> {
    return this.servers
      .filter((id) => this.sim.isUp(id))
      .map((id) => ({ id, raft: this.server(id).raft }))
      .filter(({ raft }) => raft.role === "leader")
      .map(({ id, raft }) => ({ id, term: raft.currentTerm }));
  }

  /** Runs until one server leads (in the highest term), and returns it. */
  waitForLeader(within = 5_000): NodeId {
    let found: NodeId | undefined;
    const check = () => {
      const leaders = this.leaders().sort((a, b) => b.term - a.term);
      found = leaders[0]?.id;
      return found !== undefined;
    };
    // Reading every server's state after every event would cost a host call each; look every 10 ms.
    const end = this.sim.now + within;
    while (this.sim.now < end) {
      if (check()) return found!;
      this.sim.runFor(10);
    }
    throw new Error(`no server became leader within ${within} ms of virtual time`);
  }

  describeLeaders(): string {
    const leaders = this.leaders();
    return leaders.length === 0
      ? "no leader"
      : `leaders: ${leaders.map((l) => `${l.id} in term ${l.term}`).join(", ")}`;
  }

  /**
   * The history for the checker: answered operations, and writes whose outcome is unknown (return null). A
   * read that was never answered changed nothing and told nothing: it is left out.
   */
  history(): HistoryOp[] {
    const relevant = this.invocations.filter((invocation) => invocation.result !== null || invocation.op.op !== "get");
    return relevant.map((invocation): CheckedOperation<Operation, Result | null> => ({
      client: this.clerks.indexOf(invocation.clerk),
      call: invocation.call,
      return: invocation.return,
      input: invocation.op,
      output: invocation.result,
    }));
  }
}

export function describeOp(op: Operation): string {
  const condition = "ifMatch" in op && op.ifMatch !== undefined ? ` if v${op.ifMatch}` : "";
  return op.op === "get" || op.op === "delete"
    ? `${op.op}(${op.key}${condition})`
    : `${op.op}(${op.key}, ${JSON.stringify(op.value)}${condition})`;
}

export function describeInvocation(invocation: Invocation): string {
  const answer = invocation.unknown ? "unknown" : describeResult(invocation.result);
  return `${invocation.clerk}: ${describeOp(invocation.op)} → ${answer}`;
}
