// Everything at once (MIT's TestPersistPartitionUnreliableLinearizable and
// TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable), over many seeds: an unreliable network,
// partitions that change every second, servers crashing and restarting, snapshots, conditional puts.
// And the run replays exactly from its seed.
import { Prng, Simulator } from "@distlab/kit/sim";
import { describe, expect, it } from "vitest";
import { RaftKvCluster } from "../../../labs/07-raft-kv/tests/cluster.ts";
import { checkRun, crasher, eachSeed, partitioner, unreliable } from "../../../labs/07-raft-kv/tests/scenarios.ts";

const KEYS = ["a", "b", "c"];
const OPS = ["get", "put", "append", "versioned-put"] as const;

describe("everything at once (README steps 1–5)", () => {
  it("stays linearizable, with every acknowledged append kept once, under loss, partitions, crashes and snapshots [R07.0.2, R07.0.3, R07.0.4, R07.5.2]", async () => {
    await eachSeed("chaos", 6, { servers: 5, clerks: 5, maxLogEntries: 10 }, (cluster, rng) => {
      unreliable(cluster.sim);
      cluster.startWorkload({ clerks: cluster.clerks, keys: KEYS, ops: [...OPS], until: 3_000, rng });
      partitioner(cluster, rng, 300, 2_700);
      crasher(cluster, rng, 500, 2_700);
      checkRun(cluster, KEYS, "chaos");
    });
  });

  it("replays a run exactly from its seed, without calling the clock or Math.random itself [R07.0.6]", async () => {
    const run = async () => {
      const sim = new Simulator({ seed: 11, name: "replay" });
      const cluster = await RaftKvCluster.open(sim, { servers: 3, clerks: 3, maxLogEntries: 10 });
      unreliable(sim);
      cluster.startWorkload({
        clerks: cluster.clerks,
        keys: KEYS,
        ops: [...OPS],
        until: 1_000,
        rng: Prng.derive(11, "w"),
      });
      cluster.settle();
      return { hash: sim.traceHash(), violations: sim.violations.map((v) => `${v.node}: ${v.api}`) };
    };
    const first = await run();
    const second = await run();
    expect(first.violations, "node code called a global clock, timer or random").toEqual([]);
    expect(second.hash, "the same seed gave two different runs").toBe(first.hash);
  });
});
