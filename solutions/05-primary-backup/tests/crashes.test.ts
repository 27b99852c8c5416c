// Hidden: servers crash and restart one after the other while clients keep working, on a reliable and
// on an unreliable network. A restarted server has lost its memory and must come back as a new backup.
import { describe, it } from "vitest";
import {
  checkAppendsOnce,
  checkRun,
  clientIds,
  eachSeed,
  repeatedCrashes,
  settleAndRead,
  unreliable,
} from "../../../labs/05-primary-backup/tests/scenarios.ts";
import { assertLinearizable } from "../../../labs/05-primary-backup/tests/checks.ts";

const SERVERS = ["s1", "s2", "s3"];
const KEYS = ["a", "b"];

describe("repeated crashes (hidden)", () => {
  it("stays linearizable while servers crash and restart one at a time [R05.3.3, R05.4.1, R05.1.10]", async () => {
    await eachSeed("repeated crashes", 4, { servers: 3, clients: 2 }, (system, rng) => {
      system.startWorkload({ clients: clientIds(2), keys: KEYS, ops: ["get", "put", "append"], until: 6_000, rng });
      repeatedCrashes(system, rng, SERVERS, 300, 6_000);
      checkRun(system, KEYS, "repeated crashes");
    });
  });

  it("stays linearizable with crashes on an unreliable network [R05.3.3, R05.5.1, R05.6.2]", async () => {
    await eachSeed("repeated crashes, unreliable", 4, { servers: 3, clients: 2 }, (system, rng) => {
      unreliable(system.sim, 0.1);
      system.startWorkload({ clients: clientIds(2), keys: KEYS, ops: ["get", "put", "append"], until: 6_000, rng });
      repeatedCrashes(system, rng, SERVERS, 300, 6_000);
      checkRun(system, KEYS, "repeated crashes unreliable");
    });
  });

  it("applies each acknowledged append once through crashes [R05.5.1, R05.4.3]", async () => {
    await eachSeed("appends through crashes", 4, { servers: 3, clients: 2 }, (system, rng) => {
      unreliable(system.sim, 0.05);
      system.startWorkload({ clients: clientIds(2), keys: KEYS, ops: ["append", "append", "get"], until: 5_000, rng });
      repeatedCrashes(system, rng, SERVERS, 300, 5_000);
      const finals = settleAndRead(system, KEYS);
      checkAppendsOnce(system, finals);
      assertLinearizable(system.history(), "appends through crashes");
    });
  });
});
