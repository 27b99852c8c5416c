// Types of the simulator's public options and of the events in its queue.
import type { GuardMode } from "./guard.ts";
import type { NetworkOptions } from "./network.ts";
import type { NodeId, TimerId } from "./types.ts";

export interface SimulatorOptions {
  seed: number;
  /** Scenario name written in the trace header. */
  name?: string;
  network?: NetworkOptions;
  /** Record a trace (default true). Benchmarks may turn it off. */
  trace?: boolean;
  /** What to do when node code calls Math.random, Date.now or real timers (default "record"). */
  guard?: GuardMode;
  /**
   * When a node's storage writes survive a crash: "immediate" (the default) on each write; "sync" only
   * once the node called storage.sync(), so a crash loses what was written but never synced.
   */
  durability?: "immediate" | "sync";
}

/** What a processed event was, for observers: a handler of `node` ran ("message", "timer"), or a scheduled action. */
export interface StepInfo {
  kind: "message" | "timer" | "action";
  /** The node whose handler ran (a client for a message delivered to a client); undefined for actions. */
  node: NodeId | undefined;
  time: number;
}

/** Watches a simulation as it runs, e.g. to check invariants after every step or to count traffic. */
export interface SimObserver {
  /** A message left `from` (before the network decided its fate). */
  onSend?(from: NodeId, to: NodeId, msg: unknown): void;
  /** An event was processed: a message delivered, a timer fired, or an action scheduled with at() ran. */
  afterStep?(step: StepInfo): void;
}

/** A test endpoint outside the system under test: it sends requests and collects replies. */
export interface SimClient<M = unknown> {
  readonly id: NodeId;
  send(to: NodeId, msg: M): void;
  /** What arrived, in order. The messages are the ones the trace records: read them, do not change them. */
  readonly inbox: Array<{ from: NodeId; msg: M; time: number }>;
}

export type SimEvent =
  | {
      time: number;
      seq: number;
      type: "deliver";
      from: NodeId;
      to: NodeId;
      mid: number;
      msg: unknown;
      incarnation: number;
    }
  | {
      time: number;
      seq: number;
      type: "timer";
      node: NodeId;
      timer: TimerId;
      name: string;
      payload: unknown;
      incarnation: number;
    }
  | { time: number; seq: number; type: "call"; action: () => void };
