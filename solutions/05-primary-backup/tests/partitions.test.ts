// Hidden: a primary cut off from the view service and from its backup, while clients can still reach
// it. The view service moves on without it; it must then neither serve a read nor complete a write.
import { describe, expect, it } from "vitest";
import { assertLinearizable } from "../../../labs/05-primary-backup/tests/checks.ts";
import { checkRun, clientIds, eachSeed, unreliable } from "../../../labs/05-primary-backup/tests/scenarios.ts";
import { VS, type PbSystem } from "../../../labs/05-primary-backup/tests/system.ts";

/** s1 primary, s2 backup, s3 idle; c1 has talked to s1. Then s1 is cut off from everyone but the clients. */
function isolateOldPrimary(system: PbSystem): void {
  system.waitForView("s1 primary, s2 backup, acknowledged", (v, a) => v.primary === "s1" && v.backup === "s2" && a);
  system.put("c1", "k", "old");
  system.sim.partition([["s1"], [VS, "s2", "s3"]]);
  system.waitForView("s2 primary once s1 is given up", (v) => v.primary === "s2" && v.num >= 3);
}

describe("a partitioned old primary (hidden)", () => {
  it("does not serve a read once the view service has moved on without it [R05.3.4, R05.P.3]", async () => {
    await eachSeed("old primary reads", 3, { servers: 3, clients: 2 }, (system) => {
      isolateOldPrimary(system);
      system.put("c2", "k", "new");
      expect(system.client("c1").view.primary, "c1 still believes s1 is primary").toBe("s1");
      expect(system.get("c1", "k"), "c1's read must not come from the old primary").toBe("new");
      assertLinearizable(system.history(), "old primary reads");
    });
  });

  it("does not complete a write; the client's retry lands at the new primary, once [R05.3.4, R05.6.1]", async () => {
    await eachSeed("old primary writes", 3, { servers: 3, clients: 2 }, (system) => {
      isolateOldPrimary(system);
      system.append("c1", "log", "a;");
      system.append("c1", "log", "b;");
      expect(system.replica("s1").keyspace.entries["log"], "the old primary executed nothing").toBeUndefined();
      system.sim.heal();
      system.sim.runFor(1_000);
      expect(system.get("c2", "log")).toBe("a;b;");
      assertLinearizable(system.history(), "old primary writes");
    });
  });

  it("comes back as a backup with the current state after the partition heals [R05.4.1, R05.1.6]", async () => {
    await eachSeed("old primary rejoins", 3, { servers: 2, clients: 1 }, (system) => {
      system.waitForView("s1 primary, s2 backup, acknowledged", (v, a) => v.primary === "s1" && v.backup === "s2" && a);
      system.put("c1", "k", "1");
      system.sim.partition([["s1"], [VS, "s2"]]);
      system.waitForView("s2 primary alone", (v) => v.primary === "s2" && v.backup === null);
      system.put("c1", "k", "2");
      system.sim.heal();
      system.waitForView("s1 back as backup, acknowledged", (v, a) => v.primary === "s2" && v.backup === "s1" && a);
      expect(system.replica("s1").keyspace).toEqual(system.replica("s2").keyspace);
      system.sim.crash("s2");
      expect(system.get("c1", "k")).toBe("2");
    });
  });

  it("stays linearizable with the primary partitioned away and back, again and again [R05.3.4, R05.6.2]", async () => {
    await eachSeed("repeated partitions", 5, { servers: 3, clients: 3 }, (system, rng) => {
      unreliable(system.sim, 0.05);
      const until = 4_000;
      system.startWorkload({ clients: clientIds(3), keys: ["a", "b"], ops: ["get", "put", "append"], until, rng });
      const cut = () => {
        if (system.sim.now >= until) return;
        const primary = system.view().primary;
        if (primary !== null) {
          system.sim.partition([[primary], [VS, ...["s1", "s2", "s3"].filter((s) => s !== primary)]]);
          system.sim.after(rng.int(300, 700), () => system.sim.heal());
        }
        system.sim.after(rng.int(1_000, 1_500), cut);
      };
      system.sim.at(500, cut);
      checkRun(system, ["a", "b"], "repeated partitions");
    });
  });
});
