// Why the simulator is worth it: a run is a function of its seed, so a failing seed replays exactly. Node
// code must take time and randomness from its env only, and keep its state as plain data.
import { checkDeterminism, Prng, Simulator } from "@distlab/kit/sim";
import { describe, expect, it } from "vitest";
import { clientIds, crashPrimaryAt, unreliable } from "./scenarios.ts";
import { PbSystem } from "./system.ts";

async function busyRun(sim: Simulator): Promise<void> {
  const system = await PbSystem.open(sim, 3, 2, { cache: true });
  unreliable(sim, 0.1);
  system.startWorkload({
    clients: clientIds(2),
    keys: ["a", "b"],
    ops: ["get", "put", "append"],
    until: 1_500,
    rng: Prng.derive(sim.seed, "workload"),
  });
  crashPrimaryAt(system, 700);
  sim.runFor(3_000);
}

describe("runs replay from their seed", () => {
  it("gives the same trace twice for a seed, with no Math.random, Date.now or real timers in node code [R05.0.1]", async () => {
    for (const seed of [1, 2, 3]) {
      const report = await checkDeterminism(busyRun, seed, { name: "busy run" });
      expect(report.deterministic, report.message).toBe(true);
    }
  });

  it("keeps every node's state plain data that survives a structured clone unchanged [R05.0.1]", async () => {
    const sim = new Simulator({ seed: 4, name: "plain state" });
    await busyRun(sim);
    for (const id of ["viewservice", "s1", "s2", "s3", "c1", "c2", "cache"]) {
      if (!sim.isUp(id)) continue;
      const state = sim.state(id);
      expect(structuredClone(state), `${id}'s state`).toEqual(state);
      expect(JSON.parse(JSON.stringify(state)), `${id}'s state as JSON`).toEqual(state);
    }
  });
});
