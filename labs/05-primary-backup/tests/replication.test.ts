// Steps 2–4: pings, the primary serving, synchronous replication to the backup, failover, and state
// transfer to a new backup, on a network that delays but does not lose messages.
import { Simulator } from "@distlab/kit/sim";
import { describe, expect, it } from "vitest";
import { PbSystem } from "./system.ts";

async function start(servers: number, clients = 1, seed = 1): Promise<PbSystem> {
  return PbSystem.open(new Simulator({ seed, name: "replication" }), servers, clients);
}

/** Waits until s1 is primary and s2 backup in an acknowledged view, i.e. s2 has the state. */
function primaryAndBackup(system: PbSystem): void {
  system.waitForView(
    "s1 primary and s2 backup, acknowledged",
    (v, acked) => v.primary === "s1" && v.backup === "s2" && acked,
  );
}

describe("the primary serves, the backup follows (README steps 2–4)", () => {
  it("lets the first server serve puts, appends and gets on its own [R05.2.1, R05.3.1]", async () => {
    const system = await start(1);
    system.waitForView("s1 primary of view 1, acknowledged", (v, acked) => v.primary === "s1" && acked);
    system.put("c1", "a", "x");
    system.append("c1", "a", "y");
    system.put("c1", "b", "z");
    expect(system.get("c1", "a")).toBe("xy");
    expect(system.get("c1", "b")).toBe("z");
    expect(system.get("c1", "missing")).toBeNull();
  });

  it("answers with Lab 01's versions: one store-wide revision, conditions on it [R05.3.1]", async () => {
    const system = await start(1);
    expect(system.put("c1", "a", "1")).toEqual({ version: 1 });
    expect(system.put("c1", "b", "1")).toEqual({ version: 2 });
    expect(system.run("c1", { op: "put", key: "a", value: "2", ifMatch: 1 })).toEqual({ version: 3 });
    expect(system.run("c1", { op: "put", key: "a", value: "3", ifMatch: 1 })).toEqual({ mismatch: 3 });
    expect(system.run("c1", { op: "delete", key: "b" })).toEqual({ deleted: true });
    expect(system.run("c1", { op: "delete", key: "b" })).toEqual({ deleted: false });
    expect(system.run("c1", { op: "get", key: "a" })).toEqual({ value: "2", version: 3 });
  });

  it("pings the view service every PING_MS, no more often [R05.2.2]", async () => {
    const system = await start(2);
    system.sim.runFor(10_000);
    for (const server of ["s1", "s2"]) {
      const pings = system.sent("ping").filter((p) => p.from === server).length;
      expect(pings, `${server} pinged ${pings} times in 10 s`).toBeGreaterThanOrEqual(380);
      expect(pings, `${server} pinged ${pings} times in 10 s: at most one ping per 25 ms`).toBeLessThanOrEqual(402);
    }
  });

  it("gives a new backup the whole state before the primary acknowledges the view [R05.4.1, R05.4.2, R05.P.2]", async () => {
    const system = await start(1);
    for (let i = 0; i < 5; i++) system.put("c1", `k${i}`, `v${i}`);
    system.sim.setLink("s1", "s2", { dropRate: 1 });
    system.addServer("s2");
    system.waitForView("view 2 with s2 as backup", (v) => v.backup === "s2");
    system.sim.runFor(1_000);
    expect(system.viewService().primaryAcked, "s2 never got the state: s1 must not ack view 2").toBe(false);
    system.sim.setLink("s1", "s2", { dropRate: 0 });
    primaryAndBackup(system);
    expect(system.replica("s2").keyspace).toEqual(system.replica("s1").keyspace);
  });

  it("acknowledges a write only once the backup has it, so the backup holds every acknowledged write [R05.3.2, R05.P.10]", async () => {
    const system = await start(2);
    primaryAndBackup(system);
    for (let i = 0; i < 10; i++) {
      system.put("c1", "k", `v${i}`);
      expect(system.replica("s2").keyspace.entries["k"]?.value, `after put #${i} was acknowledged`).toBe(`v${i}`);
    }
  });

  it("lets the backup take over when the primary dies, with every acknowledged write [R05.3.3, R05.2.3, R05.6.1, R05.P.9]", async () => {
    const system = await start(2);
    primaryAndBackup(system);
    for (let i = 0; i < 5; i++) system.append("c1", "log", `${i},`);
    system.sim.crash("s1");
    system.waitForView("s2 primary", (v) => v.primary === "s2");
    expect(system.get("c1", "log")).toBe("0,1,2,3,4,");
    system.append("c1", "log", "5,");
    expect(system.get("c1", "log")).toBe("0,1,2,3,4,5,");
  });

  it("serves a write issued right after the backup or the primary failed [R05.3.3, R05.6.1]", async () => {
    const system = await start(3);
    primaryAndBackup(system);
    system.put("c1", "a", "1");
    system.sim.crash("s2");
    system.put("c1", "a", "2");
    expect(system.get("c1", "a")).toBe("2");
    system.waitForView("s3 the new backup, acknowledged", (v, acked) => v.backup === "s3" && acked);
    system.sim.crash("s1");
    system.put("c1", "a", "3");
    expect(system.view().primary).toBe("s3");
    expect(system.get("c1", "a")).toBe("3");
  });

  it("keeps the data through successive failovers, each new backup getting the state [R05.4.1, R05.3.3]", async () => {
    const system = await start(2);
    primaryAndBackup(system);
    system.put("c1", "a", "1");
    system.sim.crash("s1");
    system.put("c1", "b", "2");
    system.addServer("s3");
    system.waitForView(
      "s2 primary, s3 backup, acknowledged",
      (v, acked) => v.primary === "s2" && v.backup === "s3" && acked,
    );
    system.sim.crash("s2");
    system.waitForView("s3 primary", (v) => v.primary === "s3");
    expect([system.get("c1", "a"), system.get("c1", "b")]).toEqual(["1", "2"]);
  });

  it("does not let a new server serve once the last one died: it was never backup [R05.2.4, R05.P.11]", async () => {
    const system = await start(1);
    system.waitForView("s1 primary of view 1, acknowledged", (v, acked) => v.primary === "s1" && acked);
    system.put("c1", "a", "1");
    system.sim.crash("s1");
    system.sim.runFor(300); // the view service gives s1 up for dead; there is no backup to promote
    system.addServer("s2");
    const write = system.invoke("c1", { op: "put", key: "a", value: "2" });
    system.sim.runFor(3_000);
    expect(write.result, "s2 has no state: it must not become primary nor answer").toBeNull();
    expect(system.view(), "the view service keeps s1, silent, as primary").toEqual({
      num: 1,
      primary: "s1",
      backup: null,
    });
    expect(system.replica("s2").keyspace.entries).toEqual({});
  });
});
