// Crashes (MIT's TestPersistOneClient, TestPersistConcurrent, TestPersistConcurrentUnreliable,
// TestPersistPartition): every server crashes and restarts, round after round; what was acknowledged
// stays, and the history stays linearizable. And a read right after the leader crashed sees every write
// acknowledged before.
import { describe, expect, it } from "vitest";
import { assertLinearizable } from "./checks.ts";
import { checkRun, crashAll, eachSeed, partitioner, unreliable } from "./scenarios.ts";

const KEYS = ["a", "b", "c"];
const OPS = ["get", "put", "append", "versioned-put"] as const;

describe("crashes of every server (README steps 1–5)", () => {
  it("keeps one clerk's acknowledged writes when every server crashes and restarts, round after round [R07.0.3]", async () => {
    await eachSeed("persist one clerk", 2, { servers: 3, clerks: 1 }, (cluster, rng) => {
      cluster.startWorkload({ clerks: cluster.clerks, keys: KEYS, ops: ["get", "append"], until: 2_400, rng });
      crashAll(cluster, 800);
      crashAll(cluster, 1_600);
      checkRun(cluster, KEYS, "persist one clerk");
    });
  });

  it("keeps 5 clerks linearizable across crashes of every server [R07.0.2, R07.0.3]", async () => {
    await eachSeed("persist concurrent", 2, { servers: 3, clerks: 5 }, (cluster, rng) => {
      cluster.startWorkload({ clerks: cluster.clerks, keys: KEYS, ops: [...OPS], until: 2_400, rng });
      crashAll(cluster, 800);
      crashAll(cluster, 1_600);
      checkRun(cluster, KEYS, "persist concurrent");
    });
  });

  it("…on an unreliable network too [R07.0.2, R07.0.3]", async () => {
    await eachSeed("persist concurrent unreliable", 2, { servers: 3, clerks: 5 }, (cluster, rng) => {
      unreliable(cluster.sim);
      cluster.startWorkload({ clerks: cluster.clerks, keys: KEYS, ops: [...OPS], until: 2_400, rng });
      crashAll(cluster, 800);
      crashAll(cluster, 1_600);
      checkRun(cluster, KEYS, "persist concurrent unreliable");
    });
  });

  it("…and with partitions that change every second [R07.0.2, R07.0.3, R07.0.4]", async () => {
    await eachSeed("persist partitions", 1, { servers: 5, clerks: 5 }, (cluster, rng) => {
      cluster.startWorkload({ clerks: cluster.clerks, keys: KEYS, ops: [...OPS], until: 3_000, rng });
      partitioner(cluster, rng, 100, 2_900);
      crashAll(cluster, 1_000);
      crashAll(cluster, 2_000);
      checkRun(cluster, KEYS, "persist partitions");
    });
  });

  it("sees every acknowledged write in a read right after the leader crashed [R07.2.4, R07.3.4, R07.P.7]", async () => {
    await eachSeed("read after leader change", 4, { servers: 3, clerks: 2 }, (cluster) => {
      for (let round = 0; round < 3; round++) {
        const value = `v${round}`;
        cluster.put("c1", "x", value);
        const leader = cluster.waitForLeader();
        cluster.sim.crash(leader);
        expect(cluster.get("c2", "x", 5_000).value, "a read after the leader died").toBe(value);
        cluster.sim.restart(leader);
      }
      assertLinearizable(cluster.history(), "read after leader change");
    });
  });
});
