// Step 5: snapshots. MIT 6.5840's tests 3D, in virtual time: the service snapshots every 10 entries; the
// logs stay small; a follower that fell behind the leader's snapshot catches up through InstallSnapshot,
// cut off or crashed, on a reliable or an unreliable network; a cluster restarts from its snapshots.
import { describe, expect, it } from "vitest";
import { inCluster, SNAPSHOT_INTERVAL, LONG_TEST_MS } from "./cluster.ts";
import { anyCommand, snapshotRounds } from "./scenarios.ts";

describe("snapshots", { timeout: LONG_TEST_MS }, () => {
  it("compacts the log: it stays under 2,000 bytes with a snapshot every 10 entries [R06.5.1, R06.P.8]", async () => {
    await inCluster("snapshots basic", { servers: 3, snapshotEvery: SNAPSHOT_INTERVAL }, (cluster) =>
      snapshotRounds(cluster, { disconnect: false, crash: false }),
    );
  });

  it("brings a cut-off follower up to date with InstallSnapshot [R06.5.2, R06.5.1]", async () => {
    await inCluster("install snapshots (disconnect)", { servers: 3, snapshotEvery: SNAPSHOT_INTERVAL }, (cluster) => {
      snapshotRounds(cluster, { disconnect: true, crash: false });
      expect(cluster.installSnapshots, "InstallSnapshot RPCs sent to followers behind the snapshot").toBeGreaterThan(0);
    });
  });

  it("installs snapshots on an unreliable network [R06.5.2, R06.5.4]", async () => {
    await inCluster(
      "install snapshots (disconnect+unreliable)",
      { servers: 3, snapshotEvery: SNAPSHOT_INTERVAL, unreliable: true },
      (cluster) => snapshotRounds(cluster, { disconnect: true, crash: false }),
    );
  });

  it("brings a crashed server up to date after it restarts from its snapshot [R06.5.2, R06.5.3]", async () => {
    await inCluster("install snapshots (crash)", { servers: 3, snapshotEvery: SNAPSHOT_INTERVAL }, (cluster) =>
      snapshotRounds(cluster, { disconnect: false, crash: true }),
    );
  });

  it("does so on an unreliable network too [R06.5.3, R06.5.4]", async () => {
    await inCluster(
      "install snapshots (unreliable+crash)",
      { servers: 3, snapshotEvery: SNAPSHOT_INTERVAL, unreliable: true },
      (cluster) => snapshotRounds(cluster, { disconnect: false, crash: true }),
    );
  });

  it("restarts every server from its snapshot without going back [R06.5.3, R06.4.2]", async () => {
    await inCluster("crash and restart all servers", { servers: 3, snapshotEvery: SNAPSHOT_INTERVAL }, (cluster) => {
      cluster.one(anyCommand(cluster), 3, true);
      for (let round = 0; round < 5; round++) {
        const count = SNAPSHOT_INTERVAL / 2 + cluster.rng.int(0, SNAPSHOT_INTERVAL - 1);
        for (let i = 0; i < count; i++) cluster.one(anyCommand(cluster), 3, true);
        const before = cluster.one(anyCommand(cluster), 3, true);
        for (const server of cluster.servers) cluster.crash(server);
        for (const server of cluster.servers) cluster.restart(server);
        const after = cluster.one(anyCommand(cluster), 3, true);
        expect(after, `the index after restarting every server (it was ${before} before)`).toBeGreaterThan(before);
      }
    });
  });

  it("initialises from its snapshot after a crash, twice over [R06.5.3, R06.5.1]", async () => {
    await inCluster(
      "snapshot initialization after crash",
      { servers: 3, snapshotEvery: SNAPSHOT_INTERVAL },
      (cluster) => {
        cluster.one(anyCommand(cluster), 3, true);
        for (let i = 0; i < SNAPSHOT_INTERVAL + 1; i++) cluster.one(anyCommand(cluster), 3, true);
        for (const server of cluster.servers) cluster.crash(server);
        for (const server of cluster.servers) cluster.restart(server);
        cluster.one(anyCommand(cluster), 3, true);
        for (const server of cluster.servers) cluster.crash(server);
        for (const server of cluster.servers) cluster.restart(server);
        cluster.one(anyCommand(cluster), 3, true);
      },
    );
  });
});
