// Steps 3 and 4 under stress: MIT 6.5840's Figure 8 and churn tests (3C), in virtual time. Leaders crash
// or vanish right after taking commands, so logs diverge in every way Figure 8 of the paper describes;
// the invariants, checked at every step, catch an entry committed by counting replicas of an old term.
import { describe, it } from "vitest";
import { inCluster, LONG_TEST_MS } from "./cluster.ts";
import { churn, figure8, figure8Unreliable, unreliableAgreement } from "./scenarios.ts";

describe("Figure 8 and churn", { timeout: LONG_TEST_MS }, () => {
  it("keeps every invariant while leaders crash right after taking commands (Figure 8) [R06.3.1, R06.4.3, R06.P.3, R06.P.7]", async () => {
    await inCluster("Figure 8", { servers: 5 }, (cluster) => figure8(cluster));
  });

  it("agrees on an unreliable network with commands offered concurrently [R06.2.5, R06.4.3]", async () => {
    await inCluster("unreliable agreement", { servers: 5, unreliable: true }, (cluster) =>
      unreliableAgreement(cluster),
    );
  });

  it("keeps every invariant with leaders cut off on an unreliable, long-reordering network (Figure 8) [R06.3.1, R06.4.3, R06.2.4]", async () => {
    await inCluster("Figure 8 (unreliable)", { servers: 5, unreliable: true }, (cluster) => figure8Unreliable(cluster));
  });

  it("loses no committed command while servers churn [R06.4.2, R06.4.3, R06.3.3]", async () => {
    await inCluster("churn", { servers: 5 }, (cluster) => churn(cluster, false));
  });

  it("loses no committed command while servers churn on an unreliable network [R06.4.2, R06.4.3, R06.3.3]", async () => {
    await inCluster("unreliable churn", { servers: 5, unreliable: true }, (cluster) => churn(cluster, true));
  });
});
