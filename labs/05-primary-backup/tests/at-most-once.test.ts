// Steps 3–5 on a network that loses, duplicates and reorders: every request takes effect once, the backup
// applies each forwarded request once, and a late copy of a state transfer never rolls the backup back.
import { Simulator } from "@distlab/kit/sim";
import { describe, expect, it } from "vitest";
import { eachSeed, unreliable } from "./scenarios.ts";
import { PbSystem } from "./system.ts";

function primaryAndBackup(system: PbSystem): void {
  system.waitForView("s1 primary, s2 backup, acknowledged", (v, a) => v.primary === "s1" && v.backup === "s2" && a);
}

describe("at-most-once (README steps 3–5)", () => {
  it("applies each append of a client once on a network that drops, duplicates and reorders 20% [R05.5.1, R05.6.2]", async () => {
    const system = await PbSystem.open(new Simulator({ seed: 1, name: "at most once" }), 3, 1);
    primaryAndBackup(system);
    unreliable(system.sim, 0.2);
    let expected = "";
    for (let i = 0; i < 40; i++) {
      system.append("c1", "k", `${i};`, 30_000);
      expected += `${i};`;
    }
    expect(system.get("c1", "k", 30_000)).toBe(expected);
  });

  it("answers a retried or duplicated request with its first result instead of running it again [R05.5.2]", async () => {
    const system = await PbSystem.open(new Simulator({ seed: 2, name: "retries" }), 2, 1);
    primaryAndBackup(system);
    system.sim.setLink("c1", "s1", { duplicateRate: 1, minDelay: 1, maxDelay: 30 });
    system.sim.setLink("s1", "c1", { dropRate: 0.5 });
    const versions: number[] = [];
    for (let i = 1; i <= 20; i++)
      versions.push((system.append("c1", "k", `${i};`, 30_000) as { version: number }).version);
    expect(versions, "each append is one write: versions 1…20").toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(system.replica("s1").keyspace.revision, "the primary executed exactly 20 writes").toBe(20);
  });

  it("lets the backup apply each forwarded request once, though forwards are duplicated and reordered [R05.3.5, R05.5.1, R05.P.4]", async () => {
    await eachSeed("duplicated forwards", 3, { servers: 2, clients: 1 }, (system) => {
      primaryAndBackup(system);
      system.sim.setLink("s1", "s2", { duplicateRate: 1, minDelay: 1, maxDelay: 60 });
      for (let i = 1; i <= 15; i++) system.append("c1", "k", `${i};`, 30_000);
      system.sim.runFor(500);
      expect(system.replica("s2").keyspace, "the backup holds exactly what the primary holds").toEqual(
        system.replica("s1").keyspace,
      );
    });
  });

  it("never lets a late copy of a state transfer roll the backup back [R05.4.3, R05.P.5]", async () => {
    await eachSeed("late transfers", 4, { servers: 1, clients: 1 }, (system) => {
      for (let i = 1; i <= 3; i++) system.append("c1", "k", `${i};`);
      system.sim.setLink("s1", "s2", { minDelay: 1, maxDelay: 250 });
      system.addServer("s2");
      primaryAndBackup(system);
      for (let i = 4; i <= 12; i++) system.append("c1", "k", `${i};`, 30_000);
      system.sim.runFor(600);
      system.sim.crash("s1");
      system.waitForView("s2 primary", (v) => v.primary === "s2");
      const all = Array.from({ length: 12 }, (_, i) => `${i + 1};`).join("");
      expect(system.get("c1", "k", 30_000), "every acknowledged append survives the failover").toBe(all);
    });
  });
});
