// Simulator throughput: five nodes heartbeating each other every 10–50 ms over a lossy network for 30
// simulated seconds. Reports events per wall-clock second and the wall time of the run, with the trace
// recorded (as in tests) and without (as a long exploration would run).
import { Simulator } from "./simulator.ts";
import type { NodeDef } from "./types.ts";

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  note: string;
}

interface HeartbeatState {
  peers: string[];
  lastHeard: Record<string, number>;
}

const heartbeatNode: NodeDef<HeartbeatState, { type: "heartbeat" }> = {
  init(env) {
    const peers = ["n1", "n2", "n3", "n4", "n5"].filter((p) => p !== env.id);
    env.setTimer("heartbeat", 10 + Math.floor(env.random() * 41));
    return { peers, lastHeard: {} };
  },
  onMessage(state, from, _msg, env) {
    state.lastHeard[from] = env.now();
  },
  onTimer(state, _timer, env) {
    for (const peer of state.peers) env.send(peer, { type: "heartbeat" });
    env.setTimer("heartbeat", 10 + Math.floor(env.random() * 41));
  },
};

/** Runs the 5-node heartbeat scenario; exported so tests and the bench command share it. */
export function runHeartbeatScenario(seed: number, simulatedMs: number, trace = true): Simulator {
  const sim = new Simulator({
    seed,
    name: "heartbeat-5",
    trace,
    network: { minDelay: 1, maxDelay: 15, dropRate: 0.05 },
  });
  for (const id of ["n1", "n2", "n3", "n4", "n5"]) sim.addNode(id, heartbeatNode);
  sim.runFor(simulatedMs);
  return sim;
}

/**
 * Wall time of the scenario and simulator events per wall second, with the trace recorded and without:
 * the median of `runs` runs after one warm-up run (so the figures are for compiled code).
 */
export function simulatorBenchRows(seed = 1, runs = 5, simulatedMs = 30_000): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const trace of [true, false]) {
    runHeartbeatScenario(seed, simulatedMs, trace);
    const wallMs: number[] = [];
    let events = 0;
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      events = runHeartbeatScenario(seed, simulatedMs, trace).eventCount;
      wallMs.push(performance.now() - started);
    }
    const wall = median(wallMs);
    const label = trace ? "trace on" : "trace off";
    rows.push({
      name: `sim: 5 nodes, ${simulatedMs / 1000} simulated s, ${label}: wall time`,
      value: round(wall),
      unit: "ms",
      note: `${events} events, seed ${seed}, median of ${runs} runs; target well under 1000 ms`,
    });
    rows.push({
      name: `sim: events per wall second, ${label}`,
      value: Math.round(events / (wall / 1000)),
      unit: "events/s",
      note: "heartbeats every 10–50 ms, 1–15 ms delays, 5% drops",
    });
  }
  return rows;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
