// Simulator throughput: five nodes heartbeating each other every 10–50 ms over a lossy network for 30
// simulated seconds. Reports events per wall-clock second and the wall time of the run.
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

export function simulatorBenchRows(seed = 1): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const trace of [true, false]) {
    const started = performance.now();
    const sim = runHeartbeatScenario(seed, 30_000, trace);
    const wallMs = performance.now() - started;
    const label = trace ? "with trace" : "trace off";
    rows.push({
      name: `sim: 5 nodes, 30 simulated s (${label}) wall time`,
      value: round(wallMs),
      unit: "ms",
      note: `${sim.eventCount} events, seed ${seed}`,
    });
    rows.push({
      name: `sim: events per second (${label})`,
      value: Math.round(sim.eventCount / (wallMs / 1000)),
      unit: "events/s",
      note: "heartbeats every 10–50 ms, 5% drops",
    });
  }
  return rows;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
