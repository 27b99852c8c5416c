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
}

/** A test endpoint outside the system under test: it sends requests and collects replies. */
export interface SimClient<M = unknown> {
  readonly id: NodeId;
  send(to: NodeId, msg: M): void;
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
