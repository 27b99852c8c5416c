// One clerk on a healthy network: the operations and their results (step 1), a read on a cluster that has
// never been written (the leader's noop, step 2), reads that stay out of the log (step 3), and MIT's speed
// test: an operation does not wait for a heartbeat.
import { describe, expect, it } from "vitest";
import { eachSeed } from "./scenarios.ts";

describe("one clerk (README steps 1–3)", () => {
  it("runs puts, appends, gets and deletes with Lab 05's results and versions [R07.0.1, R07.1.1, R07.1.2, R07.1.3]", async () => {
    await eachSeed("one clerk", 2, { servers: 3, clerks: 1 }, (cluster) => {
      const first = cluster.put("c1", "a", "1") as { version: number };
      expect(first).toEqual({ version: expect.any(Number) });
      const appended = cluster.append("c1", "a", "2") as { version: number };
      expect(appended.version, "an append creates a newer version").toBeGreaterThan(first.version);
      expect(cluster.get("c1", "a")).toEqual({ value: "12", version: appended.version });
      expect(cluster.put("c1", "a", "x", first.version), "If-Match on an old version").toEqual({
        mismatch: appended.version,
      });
      const replaced = cluster.put("c1", "a", "3", appended.version) as { version: number };
      expect(replaced.version).toBeGreaterThan(appended.version);
      expect(cluster.run("c1", { op: "delete", key: "a" })).toEqual({ deleted: true });
      expect(cluster.get("c1", "a")).toEqual({ value: null, version: null });
      expect(cluster.run("c1", { op: "delete", key: "a" })).toEqual({ deleted: false });
      expect(cluster.run("c1", { op: "delete", key: "a", ifMatch: 3 })).toEqual({ mismatch: null });
      expect(cluster.append("c1", "fresh", "x")).toEqual({ version: expect.any(Number) });
      expect(cluster.get("c1", "fresh").value).toBe("x");
    });
  });

  it("answers a read on a cluster nobody has written to yet [R07.2.4, R07.3.1, R07.3.4]", async () => {
    await eachSeed("read first", 2, { servers: 3, clerks: 1 }, (cluster) => {
      expect(cluster.get("c1", "nothing", 5_000)).toEqual({ value: null, version: null });
    });
  });

  it("keeps reads out of the log: gets add no entry [R07.3.1]", async () => {
    await eachSeed("reads stay out of the log", 1, { servers: 3, clerks: 1 }, (cluster) => {
      cluster.put("c1", "k", "v");
      const leader = cluster.waitForLeader();
      const before = cluster.server(leader).raft.log.length;
      for (let i = 0; i < 20; i++) expect(cluster.get("c1", "k").value).toBe("v");
      const after = cluster.server(leader).raft;
      expect(after.role, "the leader did not change during the reads").toBe("leader");
      expect(after.log.length, "20 gets must not append log entries").toBe(before);
    });
  });

  it("completes 100 operations one after another in under a third of a heartbeat each (MIT's speed test) [R07.2.3, R07.3.2]", async () => {
    await eachSeed("speed", 1, { servers: 3, clerks: 1 }, (cluster) => {
      cluster.put("c1", "warm-up", "0");
      const start = cluster.sim.now;
      for (let i = 0; i < 50; i++) {
        cluster.append("c1", "x", `${i};`);
        cluster.get("c1", "x");
      }
      const perOp = (cluster.sim.now - start) / 100;
      expect(perOp, `each operation took ${perOp.toFixed(1)} ms of virtual time on average`).toBeLessThan(100 / 3);
    });
  });
});
