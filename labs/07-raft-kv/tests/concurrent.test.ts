// Many clerks at once (MIT's TestConcurrent, TestUnreliable, TestUnreliableOneKey): every history is
// checked for linearizability, and every acknowledged append must show exactly once. And the leader must
// batch: with many clerks writing, fewer log entries than writes.
import { describe, expect, it } from "vitest";
import { appendProblems } from "./checks.ts";
import { checkRun, eachSeed, settleAndRead, unreliable } from "./scenarios.ts";

const KEYS = ["a", "b", "c"];

describe("many clerks (README steps 1–4)", () => {
  it("keeps 5 clerks linearizable on a reliable network [R07.0.2, R07.1.1, R07.2.2]", async () => {
    await eachSeed("concurrent", 2, { servers: 3, clerks: 5 }, (cluster, rng) => {
      const ops = ["get", "put", "append", "versioned-put"] as const;
      cluster.startWorkload({ clerks: cluster.clerks, keys: KEYS, ops: [...ops], until: 1_000, rng });
      checkRun(cluster, KEYS, "concurrent");
    });
  });

  it("stays linearizable when messages are lost, duplicated and reordered [R07.0.2, R07.1.1, R07.P.2]", async () => {
    await eachSeed("concurrent unreliable", 2, { servers: 3, clerks: 5 }, (cluster, rng) => {
      unreliable(cluster.sim);
      const ops = ["get", "put", "append", "versioned-put"] as const;
      cluster.startWorkload({ clerks: cluster.clerks, keys: KEYS, ops: [...ops], until: 2_000, rng });
      checkRun(cluster, KEYS, "concurrent unreliable");
    });
  });

  it("applies concurrent appends to one key exactly once each on an unreliable network [R07.1.1, R07.P.2]", async () => {
    await eachSeed("one key unreliable", 2, { servers: 3, clerks: 5 }, (cluster, rng) => {
      unreliable(cluster.sim);
      cluster.startWorkload({ clerks: cluster.clerks, keys: ["k"], ops: ["append"], until: 1_500, rng });
      const finals = settleAndRead(cluster, ["k"]);
      const acknowledged = cluster.invocations.filter((i) => i.result !== null && i.op.op === "append").length;
      expect(acknowledged, "the clerks got appends acknowledged").toBeGreaterThan(10);
      const problems = appendProblems(cluster.invocations, finals);
      expect(problems, `appends in the final value:\n  ${problems.join("\n  ")}`).toEqual([]);
    });
  });

  it("batches: 8 clerks writing at once need fewer log entries than writes [R07.2.3, R07.P.3]", async () => {
    await eachSeed("batching", 1, { servers: 3, clerks: 8 }, (cluster, rng) => {
      cluster.startWorkload({
        clerks: cluster.clerks,
        keys: KEYS,
        ops: ["put", "append"],
        until: 1_000,
        rng,
        thinkMs: 0,
      });
      cluster.settle();
      const leader = cluster.waitForLeader();
      const raft = cluster.server(leader).raft;
      const entries = raft.snapshotIndex + raft.log.length;
      const writes = cluster.invocations.filter((i) => i.result !== null).length;
      expect(writes, "the clerks got their writes acknowledged").toBeGreaterThan(50);
      expect(
        entries,
        `${writes} writes took ${entries} log entries: a busy leader must put several writes in one entry`,
      ).toBeLessThan(writes / 2);
    });
  });
});
