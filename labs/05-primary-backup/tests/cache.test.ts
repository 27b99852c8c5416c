// Step 8: the look-aside cache in front of the replicated store. Hits, invalidation after a write, leases
// against stale fills and thundering herds, and the two numbers a cache is judged by: its hit ratio and
// the staleness it adds (reads older than a write that had completed before they began: none allowed).
import { Simulator } from "@distlab/kit/sim";
import { describe, expect, it } from "vitest";
import { staleReads } from "./checks.ts";
import { clientIds, eachSeed, settleAndRead, unreliable } from "./scenarios.ts";
import { CACHE, PbSystem } from "./system.ts";

async function start(clients: number, seed = 1): Promise<PbSystem> {
  const system = await PbSystem.open(new Simulator({ seed, name: "cache" }), 2, clients, { cache: true });
  system.waitForView("s1 primary, s2 backup, acknowledged", (v, a) => v.primary === "s1" && v.backup === "s2" && a);
  return system;
}

/** Get requests for `key` that reached the primary (first copies: one per client operation). */
function primaryReads(system: PbSystem, key: string): number {
  const seen = new Set(
    system
      .sent("request")
      .filter((r) => r.msg.op.op === "get" && r.msg.op.key === key)
      .map((r) => `${r.msg.client}#${r.msg.seq}`),
  );
  return seen.size;
}

describe("the look-aside cache (README step 8)", () => {
  it("serves repeated reads of an unchanged key from the cache: 19 hits out of 20 [R05.8.1]", async () => {
    const system = await start(1);
    system.put("c1", "k", "v");
    for (let i = 0; i < 20; i++) {
      expect(system.get("c1", "k")).toBe("v");
      system.sim.runFor(20); // the fill travels to the cache while the client moves on
    }
    const { hits, misses } = system.cache().stats;
    expect({ hits, misses }, "the first read misses and fills, the others hit").toEqual({ hits: 19, misses: 1 });
    expect(primaryReads(system, "k"), "only the miss reaches the primary").toBe(1);
  });

  it("invalidates the key after a write: the next read sees the new value [R05.8.2, R05.P.7]", async () => {
    const system = await start(2);
    system.put("c1", "k", "old");
    expect(system.get("c2", "k")).toBe("old");
    expect(system.get("c2", "k")).toBe("old");
    system.sim.setLink("c1", CACHE, { minDelay: 100, maxDelay: 100 });
    system.put("c1", "k", "new");
    expect(system.get("c2", "k"), "a read right after the write completed").toBe("new");
    expect(system.cache().stats.invalidations).toBeGreaterThanOrEqual(2);
  });

  it("lets one reader fill a cold key while the others wait, so the primary serves one read, not five [R05.8.4, R05.P.12]", async () => {
    const system = await start(5);
    system.put("c1", "hot", "v");
    const reads = clientIds(5).map((client) => system.invoke(client, { op: "get", key: "hot" }));
    system.settle();
    expect(reads.map((r) => (r.result as { value: string }).value)).toEqual(["v", "v", "v", "v", "v"]);
    expect(primaryReads(system, "hot"), "one lease, one read at the primary").toBe(1);
    expect(system.cache().stats.waits, "the other readers were told to wait").toBeGreaterThan(0);
  });

  it("refuses a fill that was read before a write once that write invalidated the key [R05.8.3, R05.P.6]", async () => {
    const system = await start(3);
    system.put("c1", "k", "old");
    // c1 misses, gets the lease and reads "old" at the primary; the answer takes 150 ms to reach it.
    system.sim.setLink("s1", "c1", { minDelay: 150, maxDelay: 150 });
    const read = system.invoke("c1", { op: "get", key: "k" });
    system.sim.runFor(30);
    // Meanwhile c2 writes "new" and invalidates the key: that voids c1's lease.
    system.put("c2", "k", "new");
    system.settle();
    expect(read.result, "c1 read before the write took effect").toEqual({ value: "old", version: 1 });
    system.sim.runFor(300);
    expect(system.cache().stats.refusedFills, "c1's fill carried a voided lease").toBe(1);
    expect(system.get("c3", "k"), "no stale value came back into the cache").toBe("new");
  });

  it("invalidates after writing, never before: a reader in between cannot bring the old value back [R05.8.2]", async () => {
    const system = await start(3);
    system.put("c1", "k", "old");
    system.sim.setLink("c2", "s1", { minDelay: 200, maxDelay: 200 });
    const write = system.invoke("c2", { op: "put", key: "k", value: "new" });
    system.sim.runFor(50);
    system.get("c1", "k");
    system.settle();
    expect(write.result).not.toBeNull();
    expect(system.get("c3", "k"), "a read after the write completed").toBe("new");
  });

  it("gives the key to another reader once a lease expires unfilled [R05.8.4]", async () => {
    const system = await start(2);
    system.put("c1", "k", "v");
    system.sim.setLink("c1", "s1", { dropRate: 1 });
    system.invoke("c1", { op: "get", key: "k" });
    system.sim.runFor(20);
    system.sim.crash("c1");
    const started = system.sim.now;
    expect(system.get("c2", "k"), "c2 waits out c1's lease, then fills the key itself").toBe("v");
    expect(system.sim.now - started, "c2 waited for the lease (200 ms) to expire").toBeGreaterThanOrEqual(150);
  });

  it("adds no staleness and keeps a high hit ratio under a read-mostly load on a faulty network [R05.8.5]", async () => {
    let hits = 0;
    let lookups = 0;
    await eachSeed("cache under load", 4, { servers: 2, clients: 4, cache: true }, (system, rng) => {
      system.waitForView("s1 primary, s2 backup, acknowledged", (v, a) => v.primary === "s1" && v.backup === "s2" && a);
      unreliable(system.sim, 0.05);
      system.startWorkload({
        clients: clientIds(4),
        keys: ["a", "b", "c"],
        ops: ["get", "get", "get", "get", "get", "get", "get", "put"],
        until: system.sim.now + 3_000,
        rng,
      });
      settleAndRead(system, ["a", "b", "c"]);
      const stale = staleReads(system.invocations);
      expect(
        stale.map((r) => `${r.client} read ${r.op.key} at t=${r.callTime}`),
        "reads older than a completed write",
      ).toEqual([]);
      const { stats } = system.cache();
      hits += stats.hits;
      lookups += stats.hits + stats.misses;
    });
    const ratio = hits / lookups;
    console.log(`cache hit ratio over 4 runs: ${(ratio * 100).toFixed(1)}% (${hits} of ${lookups} lookups)`);
    expect(ratio, "one write in eight: most reads should hit").toBeGreaterThan(0.5);
  });
});
