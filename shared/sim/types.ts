// The contract between node code and whatever drives it (the simulator in tests, the live runtime in
// demos). Node code sees only an Env; it never touches the clock, the network or the disk directly.

export type NodeId = string;
export type TimerId = number;

/**
 * A small key→value store that survives a crash. Values must be structuredClone-able.
 *
 * Writes are visible to reads at once. Whether they survive a crash before `sync()` depends on the driver:
 * a simulator created with `durability: "sync"` loses every write not yet synced, as a disk loses what was
 * never fsynced; otherwise (the default, and the live runtime) each write is durable on its own and
 * `sync()` has nothing left to do.
 */
export interface Storage {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  keys(): string[];
  /** Makes every write so far durable (fsync). */
  sync(): void;
}

export interface Timer<P = unknown> {
  readonly id: TimerId;
  readonly name: string;
  readonly payload: P;
}

export interface Env<M = unknown> {
  /** This node's own address. */
  readonly id: NodeId;
  send(to: NodeId, msg: M): void;
  /** Starts a one-shot timer; `name` says what it is for ("election", "heartbeat"). */
  setTimer(name: string, delayMs: number, payload?: unknown): TimerId;
  cancelTimer(id: TimerId): void;
  /** Milliseconds: virtual time in the simulator, Date.now() in the live runtime. */
  now(): number;
  /** A float in [0, 1) from this node's own seeded stream. */
  random(): number;
  readonly storage: Storage;
  log(...args: unknown[]): void;
}

/**
 * A node is a plain object of handlers over plain state (the etcd/raft and DSLabs style).
 *
 * Rules that keep a node replayable and, later, explorable by a state-space search (BFS over message
 * orderings, drops and duplicates, as in UW DSLabs):
 * - the state is plain data: structuredClone-able and comparable, so a search can clone a state, hash it
 *   and recognise a state it has already visited;
 * - a handler is a deterministic function of (state, event): everything it needs from the outside world
 *   comes through `env` (no Math.random, no Date.now, no real timers, no I/O, no closures over hidden state);
 * - a handler is synchronous. It may mutate `state` in place, or return a new state that replaces it.
 */
export interface NodeDef<S = unknown, M = unknown> {
  init(env: Env<M>): S;
  onMessage(state: S, from: NodeId, msg: M, env: Env<M>): S | void;
  onTimer(state: S, timer: Timer, env: Env<M>): S | void;
}

/** How one directed link behaves. Delays are whole milliseconds drawn uniformly in [minDelay, maxDelay]. */
export interface LinkConfig {
  minDelay: number;
  maxDelay: number;
  /** Probability that a message is lost. */
  dropRate: number;
  /** Probability that a message is delivered twice (each copy with its own delay). */
  duplicateRate: number;
  /** Probability that a message is held back by an extra `reorderDelay` ms, so later ones overtake it. */
  reorderRate: number;
  reorderDelay: number;
  /** A held-back message waits a further whole number of ms drawn in [0, reorderSpread] (default 0). */
  reorderSpread: number;
  /** Deliver in send order on this link (a TCP-like channel); random delays then never reorder. */
  fifo: boolean;
}

export type DropReason = "random" | "partition" | "crashed" | "unknown-node";

/** One line of a trace: plain JSON data, in the order things happened. `t` is virtual time (ms). */
export type TraceEvent =
  | { t: number; kind: "start"; node: NodeId }
  | { t: number; kind: "send"; from: NodeId; to: NodeId; mid: number; msg: unknown }
  | { t: number; kind: "deliver"; from: NodeId; to: NodeId; mid: number }
  | { t: number; kind: "drop"; from: NodeId; to: NodeId; mid: number; reason: DropReason }
  | { t: number; kind: "duplicate"; from: NodeId; to: NodeId; mid: number }
  | { t: number; kind: "timer-set"; node: NodeId; timer: TimerId; name: string; delay: number }
  | { t: number; kind: "timer-fire"; node: NodeId; timer: TimerId; name: string }
  | { t: number; kind: "timer-cancel"; node: NodeId; timer: TimerId; name: string }
  | { t: number; kind: "crash"; node: NodeId }
  | { t: number; kind: "restart"; node: NodeId }
  | { t: number; kind: "partition"; groups: NodeId[][] }
  | { t: number; kind: "heal" }
  | { t: number; kind: "log"; node: NodeId; text: string }
  /** Written by the test, not the node: what it observed of a node (e.g. "term 3 leader, log 1..12"). */
  | { t: number; kind: "note"; node: NodeId; text: string };

export type TraceEventKind = TraceEvent["kind"];

/** The first line of a trace file. */
export interface TraceHeader {
  kind: "header";
  format: "distlab-trace/1";
  seed: number;
  scenario: string;
  nodes: NodeId[];
}
