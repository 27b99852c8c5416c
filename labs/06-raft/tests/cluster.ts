// A Raft cluster on the simulator, driven the way MIT 6.5840's tester drives one, in virtual time: servers
// run in the node host (never in this process), a tester endpoint starts commands and receives every
// apply, and the network connects, disconnects and degrades servers. The invariants (invariants.ts) are
// checked after every step. Shared by the visible and the hidden tests.
import { nodeHost } from "@distlab/kit/sandbox";
import { forEachSeed, Prng, type LinkConfig, type NodeId, type SimClient, type Simulator } from "@distlab/kit/sim";
import type { Observation, RaftNodeOptions, RaftNodeState, StartAnswer, TesterReport } from "../src/node.ts";
import type { StartResult } from "../src/raft.ts";
import { RaftInvariants, sameCommand, describeCommand } from "./invariants.ts";

export const LAB = "06";
export const TESTER = "tester";
/** The time the tests allow for an election, as MIT's tester does (far more than the paper's timeouts). */
export const ELECTION_TIMEOUT_MS = 1_000;
/** MIT's SnapShotInterval: the service snapshots every this many entries in the snapshot tests. */
export const SNAPSHOT_INTERVAL = 10;
/**
 * A test's wall-clock timeout. Scenarios are bounded in virtual time and in events (a message storm
 * fails fast), so this only stops a run that would never end; on a machine many times slower than usual
 * (a loaded grader), a correct Raft still finishes well inside it.
 */
export const LONG_TEST_MS = 600_000;

/** Between two servers on a healthy network: a few ms, nothing lost, in order (as over one TCP connection). */
export const RELIABLE: Partial<LinkConfig> = {
  minDelay: 1,
  maxDelay: 5,
  dropRate: 0,
  duplicateRate: 0,
  reorderRate: 0,
  fifo: true,
};
/** MIT's unreliable network: each message delayed 0–27 ms, one in ten lost, and no order kept. */
export const UNRELIABLE: Partial<LinkConfig> = { minDelay: 0, maxDelay: 27, dropRate: 0.1, fifo: false };
/** MIT's long reordering: two messages in three held back a further 200–2,200 ms. */
export const LONG_REORDERING: Partial<LinkConfig> = { reorderRate: 0.66, reorderDelay: 200, reorderSpread: 2_000 };

/** The tester's own links: instant and perfect, so what it sees is what the servers did. */
const DIRECT: Partial<LinkConfig> = { minDelay: 0, maxDelay: 0, dropRate: 0, duplicateRate: 0, reorderRate: 0 };

const REQUEST_TYPES = new Set(["RequestVote", "AppendEntries", "InstallSnapshot"]);

/**
 * A Raft cluster handles a few hundred events per virtual second, a few thousand under load. Far more
 * means servers answer each other without pause (a message storm): the run stops instead of taking hours.
 */
export const MAX_EVENTS_PER_SECOND = 20_000;

export interface ClusterOptions {
  servers: number;
  unreliable?: boolean;
  /** The service snapshots every this many entries (0: never). */
  snapshotEvery?: number;
  /** Sum the size of every RPC as JSON in rpcBytes (a JSON.stringify per RPC: only where a test reads it). */
  measureBytes?: boolean;
}

export class ClusterFailure extends Error {
  override name = "ClusterFailure";
}

export class RaftCluster {
  readonly servers: NodeId[];
  readonly invariants: RaftInvariants;
  /** The scenario's own randomness (which server to disconnect, how long to wait), from the seed. */
  readonly rng: Prng;
  /** Requests between servers (RequestVote, AppendEntries, InstallSnapshot) and their size as JSON. */
  rpcCount = 0;
  private bytes: number | undefined;
  /** AppendEntries refused by the consistency check (a reply with success false and a conflictIndex). */
  consistencyRefusals = 0;
  installSnapshots = 0;
  private readonly connected = new Set<NodeId>();
  private readonly answers = new Map<number, StartResult>();
  private readonly tester: SimClient<unknown>;
  private nextRef = 0;

  private constructor(
    readonly sim: Simulator,
    count: number,
  ) {
    this.servers = Array.from({ length: count }, (_, i) => `s${i + 1}`);
    this.invariants = new RaftInvariants(sim, this.servers);
    this.rng = Prng.derive(sim.seed, "scenario");
    this.tester = sim.addClient<unknown>(TESTER, (from, msg) =>
      this.handleReport(from, msg as TesterReport | StartAnswer),
    );
  }

  /** The size of every RPC so far, as JSON (with the option measureBytes). */
  get rpcBytes(): number {
    if (this.bytes === undefined) throw new ClusterFailure("rpcBytes is only counted with { measureBytes: true }");
    return this.bytes;
  }

  /** Starts `servers` servers, all connected, with the invariants checked from their first step on. */
  static async open(sim: Simulator, options: ClusterOptions): Promise<RaftCluster> {
    const host = await nodeHost();
    const cluster = new RaftCluster(sim, options.servers);
    if (options.measureBytes) cluster.bytes = 0;
    sim.configureNetwork(options.unreliable ? { ...RELIABLE, ...UNRELIABLE } : RELIABLE);
    const servers = new Set(cluster.servers);
    sim.observe({
      onSend: (from, to, msg) => {
        if (!servers.has(from) || !servers.has(to)) return;
        const reply = msg as { type?: string; success?: boolean; conflictIndex?: number };
        if (reply.type === "AppendEntriesReply" && reply.success === false && (reply.conflictIndex ?? 0) > 0)
          cluster.consistencyRefusals++;
        if (reply.type === "InstallSnapshot") cluster.installSnapshots++;
        if (!REQUEST_TYPES.has(reply.type ?? "")) return;
        cluster.rpcCount++;
        if (cluster.bytes !== undefined) cluster.bytes += JSON.stringify(msg).length;
      },
      afterStep: () => {
        if ((sim.eventCount & 4095) === 0) cluster.checkEventRate();
      },
    });
    const config: RaftNodeOptions = {
      servers: cluster.servers,
      tester: TESTER,
      snapshotEvery: options.snapshotEvery ?? 0,
    };
    for (const server of cluster.servers) {
      sim.setLink(server, TESTER, DIRECT);
      sim.setLink(TESTER, server, DIRECT);
      sim.addNode(server, host.node<RaftNodeState>("node.ts", "raftNode", config));
      cluster.connected.add(server);
    }
    sim.runFor(0);
    return cluster;
  }

  /** Fails the run when servers exchange messages far faster than any correct Raft does. */
  checkEventRate(): void {
    const allowed = MAX_EVENTS_PER_SECOND * Math.max(1, this.sim.now / 1_000);
    if (this.sim.eventCount > allowed)
      throw new ClusterFailure(
        `${this.sim.eventCount} events in ${this.sim.now} ms of virtual time (more than ${MAX_EVENTS_PER_SECOND} a second): ` +
          `servers answer each other without pause — a reply that triggers a resend that triggers the same reply?`,
      );
  }

  /** The server `offset` places after `server` in the ring (MIT's (i + offset) % n). */
  after(server: NodeId, offset: number): NodeId {
    const index = this.servers.indexOf(server);
    return this.servers[(index + offset) % this.servers.length] as NodeId;
  }

  isConnected(server: NodeId): boolean {
    return this.connected.has(server);
  }

  /** A server's whole Raft state, read from the node host (costly with a long log: prefer view()). */
  state(server: NodeId): RaftNodeState["raft"] {
    return this.sim.state<RaftNodeState>(server).raft;
  }

  /** What a running server last reported of its term, role and log. */
  view(server: NodeId): Observation {
    const view = this.sim.isUp(server) ? this.invariants.views.get(server) : undefined;
    if (view === undefined) throw new ClusterFailure(`${server} is down or has reported nothing yet`);
    return view;
  }

  // ---- The network and crashes -------------------------------------------------------------------------

  disconnect(server: NodeId): void {
    this.connected.delete(server);
    this.applyPartition();
  }

  connect(server: NodeId): void {
    this.connected.add(server);
    this.applyPartition();
  }

  /** Crashes a server: it loses its memory and what it never synced, and is cut off (MIT's crash1). */
  crash(server: NodeId): void {
    this.disconnect(server);
    if (this.sim.isUp(server)) this.sim.crash(server);
    this.invariants.forget(server);
  }

  /**
   * Starts a server again from its storage — crashing it first if it is running — and connects it (MIT's
   * start1, then connect).
   */
  restart(server: NodeId): void {
    if (this.sim.isUp(server)) this.sim.crash(server);
    this.invariants.forget(server);
    this.sim.restart(server);
    this.connect(server);
    this.sim.runFor(0);
  }

  /** Starts a crashed server again; a running one is only connected (the churn tests' "revive"). */
  restartIfDown(server: NodeId): void {
    if (this.sim.isUp(server)) this.connect(server);
    else this.restart(server);
  }

  isUp(server: NodeId): boolean {
    return this.sim.isUp(server);
  }

  setUnreliable(unreliable: boolean): void {
    this.sim.configureNetwork(unreliable ? UNRELIABLE : RELIABLE);
  }

  setLongReordering(on: boolean): void {
    this.sim.configureNetwork(on ? LONG_REORDERING : { reorderRate: 0 });
  }

  /** Lets virtual time pass (MIT's time.Sleep). */
  sleep(ms: number): void {
    this.sim.runFor(ms);
  }

  private applyPartition(): void {
    if (this.connected.size === this.servers.length) return this.sim.heal();
    const cut = this.servers.filter((server) => !this.connected.has(server)).map((server) => [server]);
    this.sim.partition([[...this.connected], ...cut]);
  }

  // ---- What MIT's tester does ----------------------------------------------------------------------------

  /**
   * Start() on one server, answered in the same virtual instant. A crashed server answers nothing: that
   * counts as "not the leader".
   */
  start(server: NodeId, command: unknown): StartResult {
    if (!this.sim.isUp(server)) return { index: -1, term: 0, isLeader: false };
    const ref = ++this.nextRef;
    this.tester.send(server, { type: "start", ref, command });
    this.sim.runFor(0);
    const answer = this.answers.get(ref);
    this.answers.delete(ref);
    if (answer === undefined) throw new ClusterFailure(`${server} did not answer start(${describeCommand(command)})`);
    return answer;
  }

  /** Waits up to 10 election periods for exactly one leader among the connected servers, and returns it. */
  checkOneLeader(): NodeId {
    for (let attempt = 0; attempt < 10; attempt++) {
      this.sleep(450 + this.rng.int(0, 100));
      const byTerm = new Map<number, NodeId[]>();
      for (const server of this.servers) {
        if (!this.connected.has(server) || !this.sim.isUp(server)) continue;
        const raft = this.view(server);
        if (raft.role === "leader") byTerm.set(raft.term, [...(byTerm.get(raft.term) ?? []), server]);
      }
      for (const [term, leaders] of byTerm)
        if (leaders.length > 1) throw new ClusterFailure(`term ${term} has ${leaders.length} leaders: ${leaders}`);
      if (byTerm.size > 0) return byTerm.get(Math.max(...byTerm.keys()))![0]!;
    }
    throw new ClusterFailure(`expected one leader among the connected servers within 5 s, got none`);
  }

  /** The term every connected server is in; fails when they disagree. */
  checkTerms(): number {
    let term = -1;
    for (const server of this.servers) {
      if (!this.connected.has(server) || !this.sim.isUp(server)) continue;
      const mine = this.view(server).term;
      if (term === -1) term = mine;
      else if (mine !== term) throw new ClusterFailure(`servers disagree on the term: ${this.describeTerms()}`);
    }
    return term;
  }

  checkNoLeader(): void {
    for (const server of this.servers) {
      if (this.connected.has(server) && this.sim.isUp(server) && this.view(server).role === "leader")
        throw new ClusterFailure(`expected no leader among the connected servers, but ${server} claims to be one`);
    }
  }

  describeTerms(): string {
    return this.servers
      .filter((server) => this.sim.isUp(server))
      .map((server) => {
        const raft = this.view(server);
        return `${server} term ${raft.term} ${raft.role}${this.connected.has(server) ? "" : " (disconnected)"}`;
      })
      .join(", ");
  }

  /** How many servers applied `index`, and the command there. */
  nCommitted(index: number): { count: number; command: unknown } {
    let count = 0;
    for (const server of this.servers) if ((this.invariants.appliedUpTo.get(server) ?? 0) >= index) count++;
    return { count, command: this.invariants.committed.get(index)?.command };
  }

  /**
   * MIT's one(): finds a leader, starts `command` there and waits (2 s per try, 10 s in all) until at least
   * `expected` servers applied it at the index the leader gave. With `retry`, a try that does not commit is
   * repeated (the leader may have changed); without, it fails at once.
   */
  one(command: unknown, expected: number, retry: boolean): number {
    const started = this.sim.now;
    let next = 0;
    while (this.sim.now - started < 10_000) {
      let index = -1;
      for (let tries = 0; tries < this.servers.length && index === -1; tries++) {
        next = (next + 1) % this.servers.length;
        const server = this.servers[next]!;
        if (!this.connected.has(server)) continue;
        const answer = this.start(server, command);
        if (answer.isLeader) index = answer.index;
      }
      if (index === -1) {
        this.sleep(50);
        continue;
      }
      const tried = this.sim.now;
      while (this.sim.now - tried < 2_000) {
        const { count, command: there } = this.nCommitted(index);
        if (count > 0 && count >= expected && sameCommand(there, command)) return index;
        this.sleep(20);
      }
      if (!retry)
        throw new ClusterFailure(
          `one(${describeCommand(command)}) failed to reach agreement on ${expected} servers within 2 s ` +
            `(index ${index}, applied by ${this.nCommitted(index).count}); ${this.describeTerms()}`,
        );
    }
    throw new ClusterFailure(
      `one(${describeCommand(command)}) failed to reach agreement on ${expected} servers within 10 s; ${this.describeTerms()}`,
    );
  }

  /**
   * MIT's wait(): until `expected` servers applied `index`, sleeping longer each time; gives up (-1) when
   * some server moved past `startTerm` (a new leader may have overwritten the entry), or fails after ~30 s.
   */
  wait(index: number, expected: number, startTerm: number): unknown {
    let pause = 10;
    for (let iteration = 0; iteration < 30; iteration++) {
      if (this.nCommitted(index).count >= expected) break;
      this.sleep(pause);
      if (pause < 1_000) pause *= 2;
      if (startTerm > -1 && this.servers.some((s) => this.sim.isUp(s) && this.view(s).term > startTerm)) return -1;
    }
    const { count, command } = this.nCommitted(index);
    if (count < expected)
      throw new ClusterFailure(`only ${count} servers applied index ${index}, expected ${expected}`);
    return command;
  }

  /** The size of the largest log in memory, as JSON (what MIT's MAXLOGSIZE bounds). */
  logSize(): number {
    let largest = 0;
    for (const server of this.servers) {
      if (this.sim.isUp(server)) largest = Math.max(largest, JSON.stringify(this.state(server).log).length);
    }
    return largest;
  }

  private handleReport(from: NodeId, report: TesterReport | StartAnswer): void {
    if (report.type === "started") {
      this.answers.set(report.ref, { index: report.index, term: report.term, isLeader: report.isLeader });
      return;
    }
    if (!this.invariants.fromCurrentRun(from, report.boot)) return;
    if (report.type === "observed") {
      const { type: _type, boot: _boot, ...observation } = report;
      this.invariants.observe(from, observation);
    } else {
      this.invariants.recordApply(from, report);
    }
  }
}

export interface ScenarioOptions extends ClusterOptions {
  /** Seeds to run: a count N (seeds 1..N) or a list; DISTLAB_SEED pins one. Default 1. */
  seeds?: number | number[];
}

/**
 * Runs `scenario` on a fresh cluster once per seed. Storage loses what was not synced at a crash. A
 * failure (a broken invariant, an agreement that never came) names the seed, the command that replays it
 * and the trace to look at.
 */
export async function inCluster(
  name: string,
  options: ScenarioOptions,
  scenario: (cluster: RaftCluster) => void,
): Promise<void> {
  await forEachSeed({
    name,
    seeds: options.seeds ?? 1,
    lab: LAB,
    simulator: { durability: "sync" },
    scenario: async (sim) => scenario(await RaftCluster.open(sim, options)),
  });
}
