// Hidden: the long scenarios on more seeds. A Raft that passes seed 1 can still be wrong; these are the
// runs a careful student makes with `distlab test 06 --seeds N` before handing in.
import { describe, it } from "vitest";
import {
  ELECTION_TIMEOUT_MS,
  inCluster,
  SNAPSHOT_INTERVAL,
  LONG_TEST_MS,
} from "../../../labs/06-raft/tests/cluster.ts";
import { churn, figure8, figure8Unreliable, snapshotRounds } from "../../../labs/06-raft/tests/scenarios.ts";

describe("more seeds of every scenario", { timeout: LONG_TEST_MS }, () => {
  it("keeps every invariant in Figure 8 on three more seeds [R06.3.1, R06.4.3, R06.P.3, R06.P.9]", async () => {
    await inCluster("Figure 8, more seeds", { servers: 5, seeds: [2, 3, 4] }, (cluster) => figure8(cluster, 600));
  });

  it("keeps every invariant in Figure 8 (unreliable) on two more seeds [R06.3.1, R06.2.4, R06.P.7]", async () => {
    await inCluster("Figure 8 (unreliable), more seeds", { servers: 5, unreliable: true, seeds: [2, 3] }, (cluster) =>
      figure8Unreliable(cluster, 500),
    );
  });

  it("loses nothing committed in unreliable churn on two more seeds [R06.4.2, R06.4.3, R06.3.3]", async () => {
    await inCluster("unreliable churn, more seeds", { servers: 5, unreliable: true, seeds: [2, 3] }, (cluster) =>
      churn(cluster, true),
    );
  });

  it("elects a new leader each time the leader is cut off, on ten seeds [R06.1.1, R06.1.2, R06.1.4]", async () => {
    await inCluster("re-election, ten seeds", { servers: 3, seeds: 10 }, (cluster) => {
      for (let round = 0; round < 4; round++) {
        const leader = cluster.checkOneLeader();
        cluster.disconnect(leader);
        cluster.checkOneLeader();
        cluster.connect(leader);
        cluster.sleep(ELECTION_TIMEOUT_MS / 2);
      }
      cluster.one(1, 3, true);
    });
  });

  it("installs snapshots through crashes on an unreliable network, two more seeds [R06.5.2, R06.5.4, R06.P.10]", async () => {
    await inCluster(
      "install snapshots (unreliable+crash), more seeds",
      { servers: 3, snapshotEvery: SNAPSHOT_INTERVAL, unreliable: true, seeds: [2, 3] },
      (cluster) => snapshotRounds(cluster, { disconnect: false, crash: true }, 15),
    );
  });
});
