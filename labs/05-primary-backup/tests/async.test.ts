// Step 7: asynchronous replication answers before the backup has the write. The tests show what that
// costs: an acknowledged write that the next primary never had, a history the linearizability checker
// rejects (printed here, so you can read the counterexample), and the number of writes lost under load.
import { Simulator } from "@distlab/kit/sim";
import { describe, expect, it } from "vitest";
import { checkLinearizable, explainIllegal, lostAppends } from "./checks.ts";
import { clientIds, eachSeed, settleAndRead } from "./scenarios.ts";
import { PbSystem } from "./system.ts";
import type { Mode } from "../src/replica.ts";

/** s1 primary and s2 backup; then every forward from s1 to s2 is lost; a put; the primary dies; a get. */
async function lostForward(mode: Mode) {
  const system = await PbSystem.open(new Simulator({ seed: 5, name: `lost forward, ${mode}` }), 2, 1, { mode });
  system.waitForView("s1 primary, s2 backup, acknowledged", (v, a) => v.primary === "s1" && v.backup === "s2" && a);
  system.put("c1", "a", "before");
  system.sim.setLink("s1", "s2", { dropRate: 1 });
  const write = system.invoke("c1", { op: "put", key: "a", value: "after" });
  system.sim.runFor(300);
  const acknowledgedBeforeCrash = write.result !== null;
  system.sim.crash("s1");
  system.waitForView("s2 primary", (v) => v.primary === "s2");
  system.settle();
  const read = system.get("c1", "a");
  return { system, acknowledgedBeforeCrash, read };
}

describe("asynchronous replication (README step 7)", () => {
  it("answers a write before the backup has it [R05.7.1]", async () => {
    const { acknowledgedBeforeCrash } = await lostForward("async");
    expect(acknowledgedBeforeCrash, "async: the put is acknowledged although no forward reached the backup").toBe(true);
  });

  it("loses that acknowledged write when the primary dies: the checker rejects the history [R05.7.2]", async () => {
    const { system, read } = await lostForward("async");
    expect(read, "the new primary never had the acknowledged put").toBe("before");
    const history = system.history();
    const verdict = checkLinearizable(history);
    expect(verdict.result, "the history is a counterexample to linearizability").toBe("illegal");
    console.log(`async replication, the counterexample:\n${explainIllegal(history, verdict, "async lost write")}`);
  });

  it("keeps the same write in synchronous mode: not acknowledged until the backup has it [R05.3.2, R05.P.10]", async () => {
    const { system, acknowledgedBeforeCrash, read } = await lostForward("sync");
    expect(acknowledgedBeforeCrash, "sync: no acknowledgement while the backup cannot be reached").toBe(false);
    expect(read, "the client retried at the new primary").toBe("after");
    expect(checkLinearizable(system.history()).result).toBe("ok");
  });

  it("counts the appends async mode loses under load when the primary dies, and sync mode loses none [R05.7.2, R05.3.3]", async () => {
    const lost: Record<Mode, number> = { sync: 0, async: 0 };
    for (const mode of ["sync", "async"] as const) {
      await eachSeed(`lost appends, ${mode}`, 3, { servers: 3, clients: 2, mode }, (system, rng) => {
        system.waitForView(
          "s1 primary, s2 backup, acknowledged",
          (v, a) => v.primary === "s1" && v.backup === "s2" && a,
        );
        system.sim.setLink("s1", "s2", { minDelay: 20, maxDelay: 40 });
        system.startWorkload({
          clients: clientIds(2),
          keys: ["k"],
          ops: ["append"],
          until: system.sim.now + 1_000,
          rng,
        });
        system.sim.runFor(700);
        system.sim.crash("s1");
        lost[mode] += lostAppends(system.invocations, settleAndRead(system, ["k"])).length;
      });
    }
    console.log(`acknowledged appends lost over 3 runs: sync ${lost.sync}, async ${lost.async}`);
    expect(lost.sync, "synchronous replication loses no acknowledged write").toBe(0);
    expect(lost.async, "asynchronous replication loses acknowledged writes in flight to the backup").toBeGreaterThan(0);
  });
});
