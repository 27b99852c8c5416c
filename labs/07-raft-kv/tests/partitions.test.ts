// Partitions (MIT's TestOnePartition, TestManyPartitionsOneClient, TestManyPartitionsManyClients): the
// side with a majority goes on, the minority completes nothing until it is healed, and a leader cut off
// from the others never answers a read with what it had before.
import { describe, expect, it } from "vitest";
import { assertLinearizable } from "./checks.ts";
import { describeInvocation } from "./cluster.ts";
import { checkRun, eachSeed, partitioner } from "./scenarios.ts";

const KEYS = ["a", "b", "c"];

describe("partitions (README steps 1–3)", () => {
  it("goes on in the majority, completes nothing in the minority, and finishes it after healing [R07.0.4, R07.0.5, R07.P.1]", async () => {
    await eachSeed("one partition", 2, { servers: 5, clerks: 3 }, (cluster) => {
      const { sim } = cluster;
      cluster.put("c1", "k", "0");
      const leader = cluster.waitForLeader();
      const others = cluster.servers.filter((id) => id !== leader);
      const minority = [leader, others[0]!];
      // c1 talks to the majority only; c2 and c3 to the minority only (the old leader among them).
      sim.partition([
        [...minority, "c2", "c3"],
        [...others.slice(1), "c1"],
      ]);
      const write = cluster.invoke("c2", { op: "put", key: "k", value: "minority" });
      const read = cluster.invoke("c3", { op: "get", key: "k" });
      expect(cluster.put("c1", "k", "majority", undefined, 5_000)).toEqual({ version: expect.any(Number) });
      sim.runFor(2_000);
      expect(write.result, `the minority completed ${describeInvocation(write)}`).toBeNull();
      expect(read.result, `the minority completed ${describeInvocation(read)}`).toBeNull();
      sim.heal();
      cluster.settle(10_000);
      expect(write.result).toEqual({ version: expect.any(Number) });
      expect(cluster.get("c1", "k").value).toBe("minority");
      assertLinearizable(cluster.history(), "one partition");
    });
  });

  it("never answers a read from a leader that was cut off, with what it had before [R07.0.2, R07.3.3, R07.P.5]", async () => {
    await eachSeed("stale leader", 3, { servers: 3, clerks: 2 }, (cluster) => {
      const { sim } = cluster;
      cluster.put("c1", "x", "old");
      const leader = cluster.waitForLeader();
      const others = cluster.servers.filter((id) => id !== leader);
      sim.partition([
        [leader, "c2"],
        [...others, "c1"],
      ]);
      expect(cluster.put("c1", "x", "new", undefined, 5_000)).toEqual({ version: expect.any(Number) });
      const read = cluster.invoke("c2", { op: "get", key: "x" });
      sim.runFor(2_000);
      const seen = (read.result as { value?: string } | null)?.value;
      expect(seen, `the cut-off leader ${leader} answered a read with the value it had before`).not.toBe("old");
      sim.heal();
      cluster.settle(10_000);
      expect((read.result as { value: string }).value).toBe("new");
      assertLinearizable(cluster.history(), "stale leader");
    });
  });

  it("stays linearizable for one clerk while the servers are split again and again [R07.0.2, R07.0.4]", async () => {
    await eachSeed("many partitions one clerk", 2, { servers: 5, clerks: 1 }, (cluster, rng) => {
      cluster.startWorkload({ clerks: cluster.clerks, keys: KEYS, ops: ["get", "put", "append"], until: 3_000, rng });
      partitioner(cluster, rng, 200, 2_800);
      checkRun(cluster, KEYS, "many partitions one clerk");
    });
  });

  it("stays linearizable for 5 clerks while the servers are split again and again [R07.0.2, R07.0.4]", async () => {
    await eachSeed("many partitions many clerks", 1, { servers: 5, clerks: 5 }, (cluster, rng) => {
      const ops = ["get", "put", "append", "versioned-put"] as const;
      cluster.startWorkload({ clerks: cluster.clerks, keys: KEYS, ops: [...ops], until: 2_500, rng });
      partitioner(cluster, rng, 200, 2_300);
      checkRun(cluster, KEYS, "many partitions many clerks");
    });
  });
});
