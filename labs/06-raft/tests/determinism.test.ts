// Why the simulator is worth it: a run is a function of its seed, so a failing seed replays exactly.
// Raft code must take time, randomness and timers from its env only.
import { checkDeterminism, type Simulator } from "@distlab/kit/sim";
import { describe, expect, it } from "vitest";
import { RaftCluster, LONG_TEST_MS } from "./cluster.ts";

/** Elections, agreement, a crash and a partition on an unreliable network. */
async function busyRun(sim: Simulator): Promise<void> {
  const cluster = await RaftCluster.open(sim, { servers: 5, unreliable: true, snapshotEvery: 10 });
  for (let i = 0; i < 15; i++) cluster.one(i, 3, true);
  const leader = cluster.checkOneLeader();
  cluster.crash(leader);
  cluster.disconnect(cluster.after(leader, 1));
  for (let i = 15; i < 30; i++) cluster.one(i, 3, true);
  cluster.restart(leader);
  cluster.connect(cluster.after(leader, 1));
  cluster.one(30, 5, true);
}

describe("runs replay from their seed", { timeout: LONG_TEST_MS }, () => {
  it("gives the same trace twice for the same seed, with no Math.random, Date.now or setTimeout in Raft [R06.0.1]", async () => {
    for (const seed of [1, 2]) {
      const report = await checkDeterminism(busyRun, seed, { name: "busy run", simulator: { durability: "sync" } });
      expect(report.deterministic, report.message).toBe(true);
    }
  });

  it("gives different runs for different seeds [R06.0.1]", async () => {
    const options = { name: "busy run", simulator: { durability: "sync" as const } };
    const [a, b] = [await checkDeterminism(busyRun, 11, options), await checkDeterminism(busyRun, 12, options)];
    expect(a.hashes[0]).not.toBe(b.hashes[0]);
  });
});
