// Hidden: a network that also duplicates messages and holds some back so that later ones overtake them
// (MIT's network never duplicates). Every reply may arrive twice, or after a newer one.
import { describe, expect, it } from "vitest";
import { inCluster, SNAPSHOT_INTERVAL, type RaftCluster, LONG_TEST_MS } from "../../../labs/06-raft/tests/cluster.ts";
import { anyCommand, figure8, snapshotRounds } from "../../../labs/06-raft/tests/scenarios.ts";

function duplicating(cluster: RaftCluster): void {
  cluster.sim.configureNetwork({ duplicateRate: 0.2, reorderRate: 0.2, reorderDelay: 100, reorderSpread: 300 });
}

describe("duplicated and reordered messages", { timeout: LONG_TEST_MS }, () => {
  it("agrees when every message may arrive twice or late [R06.2.4, R06.2.2, R06.P.7]", async () => {
    await inCluster("agreement with duplicates", { servers: 5, seeds: [1, 2] }, (cluster) => {
      duplicating(cluster);
      for (let i = 0; i < 20; i++) cluster.one(i, 5, true);
      const leader = cluster.checkOneLeader();
      cluster.disconnect(leader);
      for (let i = 20; i < 40; i++) cluster.one(i, 4, true);
      cluster.connect(leader);
      const last = cluster.one(40, 5, true);
      const log = new Set<unknown>();
      for (let index = 1; index <= last; index++) log.add(cluster.wait(index, 5, -1));
      for (let i = 0; i <= 40; i++) expect(log.has(i), `command ${i} is in the final log`).toBe(true);
    });
  });

  it("elects one leader per term when votes arrive twice and late [R06.1.2, R06.P.1, R06.P.2]", async () => {
    await inCluster("elections with duplicates", { servers: 5, seeds: [1, 2, 3] }, (cluster) => {
      duplicating(cluster);
      for (let round = 0; round < 6; round++) {
        const leader = cluster.checkOneLeader();
        cluster.disconnect(leader);
        cluster.disconnect(cluster.after(leader, 1));
        cluster.checkOneLeader();
        cluster.connect(leader);
        cluster.connect(cluster.after(leader, 1));
      }
    });
  });

  it("installs snapshots when InstallSnapshot arrives twice and late [R06.5.2, R06.5.4, R06.P.10]", async () => {
    await inCluster("snapshots with duplicates", { servers: 3, snapshotEvery: SNAPSHOT_INTERVAL }, (cluster) => {
      duplicating(cluster);
      snapshotRounds(cluster, { disconnect: true, crash: false }, 15);
      cluster.one(anyCommand(cluster), 3, true);
    });
  });

  it("keeps every invariant in Figure 8 when acknowledgements arrive twice [R06.3.1, R06.P.3]", async () => {
    await inCluster("Figure 8 with duplicates", { servers: 5 }, (cluster) => {
      duplicating(cluster);
      figure8(cluster, 400);
    });
  });
});
