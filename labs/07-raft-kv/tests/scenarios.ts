// Building blocks of the scenarios, shared by the visible and hidden tests: MIT 6.5840's faulty network,
// partitions that change every election timeout or so, crashes of servers, and the checks at the end of a
// run with many clerks.
import { forEachSeed, Prng, type NodeId, type Simulator } from "@distlab/kit/sim";
import { expect } from "vitest";
import { appendProblems, assertLinearizable } from "./checks.ts";
import { LAB, RaftKvCluster, type ClusterOptions } from "./cluster.ts";

/** MIT's unreliable network: 0–27 ms delays, 10% of messages lost, some duplicated and reordered. */
export function unreliable(sim: Simulator): void {
  sim.configureNetwork({
    minDelay: 0,
    maxDelay: 27,
    dropRate: 0.1,
    duplicateRate: 0.05,
    reorderRate: 0.05,
    reorderDelay: 200,
    reorderSpread: 200,
  });
}

export function reliable(sim: Simulator): void {
  sim.configureNetwork({ dropRate: 0, duplicateRate: 0, reorderRate: 0 });
}

/** Runs `scenario` on a fresh cluster for each seed; a failure names the seed and how to replay it. */
export async function eachSeed(
  name: string,
  seeds: number | number[],
  setup: ClusterOptions,
  scenario: (cluster: RaftKvCluster, rng: Prng) => void,
): Promise<void> {
  await forEachSeed({
    seeds,
    name,
    lab: LAB,
    scenario: async (sim, seed) => {
      const cluster = await RaftKvCluster.open(sim, setup);
      scenario(cluster, Prng.derive(seed, "scenario"));
    },
  });
}

/**
 * From `from` to `until`, puts the servers in two random groups, and again every 1–1.2 s (an election
 * timeout and a bit, as MIT's partitioner does); heals at `until`.
 */
export function partitioner(cluster: RaftKvCluster, rng: Prng, from: number, until: number): void {
  const sim = cluster.sim;
  const tick = () => {
    if (sim.now >= until) return sim.heal();
    const shuffled = [...cluster.servers];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const cut = rng.int(0, shuffled.length);
    // Clerks are in no group: like MIT's clients, they still reach every server.
    sim.partition([shuffled.slice(0, cut), shuffled.slice(cut)].filter((group) => group.length > 0));
    sim.after(rng.int(1_000, 1_200), tick);
  };
  sim.at(from, tick);
}

/** From `from` to `until`, crashes a random server now and then, restarting it a little later. */
export function crasher(cluster: RaftKvCluster, rng: Prng, from: number, until: number, servers?: NodeId[]): void {
  const sim = cluster.sim;
  const victims = servers ?? cluster.servers;
  const tick = () => {
    if (sim.now >= until) return;
    const victim = rng.pick(victims);
    if (sim.isUp(victim)) {
      sim.crash(victim);
      sim.after(rng.int(100, 800), () => {
        if (!sim.isUp(victim)) sim.restart(victim);
      });
    }
    sim.after(rng.int(300, 1_000), tick);
  };
  sim.at(from, tick);
}

/** Crashes every server at `at` and restarts them all `downMs` later (MIT's persistence rounds). */
export function crashAll(cluster: RaftKvCluster, at: number, downMs = 300): void {
  cluster.sim.at(at, () => {
    for (const id of cluster.servers) if (cluster.sim.isUp(id)) cluster.sim.crash(id);
    cluster.sim.after(downMs, () => {
      for (const id of cluster.servers) if (!cluster.sim.isUp(id)) cluster.sim.restart(id);
    });
  });
}

/**
 * Runs the load to its end under the faults the scenario planned; then heals, brings every server back,
 * lets everything be answered, and reads each key once more.
 */
export function settleAndRead(cluster: RaftKvCluster, keys: string[]): Record<string, string | null> {
  const sim = cluster.sim;
  cluster.runWorkload();
  sim.heal();
  reliable(sim);
  for (const id of cluster.servers) if (!sim.isUp(id)) sim.restart(id);
  cluster.settle(60_000);
  return Object.fromEntries(keys.map((key) => [key, cluster.get(cluster.clerks[0]!, key, 20_000).value]));
}

/** The checks at the end of every scenario with many clerks: appends exactly once, and linearizable. */
export function checkRun(cluster: RaftKvCluster, keys: string[], name: string): void {
  const finals = settleAndRead(cluster, keys);
  const problems = appendProblems(cluster.invocations, finals);
  expect(problems, `appends in the final values:\n  ${problems.join("\n  ")}`).toEqual([]);
  assertLinearizable(cluster.history(), name);
}
