// Steps 3, 5 and 6 under concurrency: several clients at once, the primary dying mid-run, and a network
// that loses, duplicates and reorders messages. Every history is checked for linearizability.
import { describe, it } from "vitest";
import {
  checkAppendsOnce,
  checkRun,
  clientIds,
  crashPrimaryAt,
  eachSeed,
  settleAndRead,
  unreliable,
} from "./scenarios.ts";
import { assertLinearizable } from "./checks.ts";

const KEYS = ["a", "b"];

describe("concurrent clients (README steps 3, 5, 6)", () => {
  it("keeps puts and gets of 3 clients linearizable across the primary's death [R05.3.2, R05.3.3, R05.6.1]", async () => {
    await eachSeed("concurrent puts", 5, { servers: 3, clients: 3 }, (system, rng) => {
      system.startWorkload({ clients: clientIds(3), keys: KEYS, ops: ["get", "put"], until: 3_000, rng });
      crashPrimaryAt(system, 1_500);
      checkRun(system, KEYS, "concurrent puts");
    });
  });

  it("applies each acknowledged append of 3 clients exactly once, across the primary's death [R05.3.3, R05.5.1]", async () => {
    await eachSeed("concurrent appends", 5, { servers: 3, clients: 3 }, (system, rng) => {
      system.startWorkload({ clients: clientIds(3), keys: KEYS, ops: ["append", "get"], until: 3_000, rng });
      crashPrimaryAt(system, 1_500);
      const finals = settleAndRead(system, KEYS);
      checkAppendsOnce(system, finals);
      assertLinearizable(system.history(), "concurrent appends");
    });
  });

  it("stays linearizable with 10% of messages dropped, duplicated and reordered [R05.3.5, R05.5.1, R05.6.2]", async () => {
    await eachSeed("concurrent puts, unreliable", 5, { servers: 3, clients: 3 }, (system, rng) => {
      unreliable(system.sim);
      system.startWorkload({ clients: clientIds(3), keys: KEYS, ops: ["get", "put", "append"], until: 3_000, rng });
      crashPrimaryAt(system, 1_500);
      checkRun(system, KEYS, "concurrent puts unreliable");
    });
  });

  it("applies each append once on an unreliable network, across the primary's death [R05.3.5, R05.5.1, R05.5.2]", async () => {
    await eachSeed("concurrent appends, unreliable", 5, { servers: 3, clients: 3 }, (system, rng) => {
      unreliable(system.sim, 0.15);
      system.startWorkload({ clients: clientIds(3), keys: KEYS, ops: ["append", "append", "get"], until: 3_000, rng });
      crashPrimaryAt(system, 1_500);
      const finals = settleAndRead(system, KEYS);
      checkAppendsOnce(system, finals);
      assertLinearizable(system.history(), "concurrent appends unreliable");
    });
  });
});
