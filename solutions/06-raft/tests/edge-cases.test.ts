// Hidden: the edges of the contract — a cluster of one, a deposed leader that keeps taking commands, a
// server far behind, seven servers with three down, terms across restarts.
import { describe, expect, it } from "vitest";
import {
  ELECTION_TIMEOUT_MS,
  inCluster,
  SNAPSHOT_INTERVAL,
  LONG_TEST_MS,
} from "../../../labs/06-raft/tests/cluster.ts";
import { anyCommand } from "../../../labs/06-raft/tests/scenarios.ts";

describe("edge cases", { timeout: LONG_TEST_MS }, () => {
  it("a single server elects itself and commits alone [R06.1.2, R06.2.1, R06.3.1]", async () => {
    await inCluster("a cluster of one", { servers: 1 }, (cluster) => {
      expect(cluster.checkOneLeader()).toBe("s1");
      for (let index = 1; index <= 5; index++) expect(cluster.one(index, 1, false)).toBe(index);
    });
  });

  it("a leader cut off with one follower takes commands, commits none, and steps down when it rejoins [R06.1.4, R06.2.5, R06.2.2]", async () => {
    await inCluster("deposed leader", { servers: 5 }, (cluster) => {
      cluster.one("first", 5, true);
      const old = cluster.checkOneLeader();
      const buddy = cluster.after(old, 1);
      cluster.disconnect(old);
      cluster.disconnect(buddy);
      const cutOff = [1, 2, 3].map((i) => cluster.start(old, `lost-${i}`));
      expect(
        cutOff.every((answer) => answer.isLeader),
        "the cut-off leader does not know yet",
      ).toBe(true);
      for (let i = 0; i < 5; i++) cluster.one(`kept-${i}`, 3, true);
      cluster.connect(old);
      cluster.connect(buddy);
      const last = cluster.one("last", 5, true);
      expect(cluster.view(old).role, "the old leader after it rejoined").toBe("follower");
      for (let index = 1; index <= last; index++)
        expect(String(cluster.wait(index, 5, -1)), `index ${index}`).not.toMatch(/^lost-/);
    });
  });

  it("brings a server that missed many snapshots up to date in one InstallSnapshot [R06.5.2, R06.5.3]", async () => {
    await inCluster("far behind", { servers: 3, snapshotEvery: SNAPSHOT_INTERVAL }, (cluster) => {
      cluster.one(anyCommand(cluster), 3, true);
      const leader = cluster.checkOneLeader();
      const behind = cluster.after(leader, 1);
      cluster.crash(behind);
      for (let i = 0; i < 55; i++) cluster.one(anyCommand(cluster), 2, true);
      const before = cluster.installSnapshots;
      cluster.restart(behind);
      cluster.one(anyCommand(cluster), 3, true);
      expect(cluster.installSnapshots - before, "InstallSnapshots to the server that was down").toBeGreaterThan(0);
      expect(cluster.installSnapshots - before, "InstallSnapshots to the server that was down").toBeLessThan(10);
    });
  });

  it("seven servers keep agreeing with three of them crashed [R06.2.5, R06.4.2]", async () => {
    await inCluster("seven servers", { servers: 7 }, (cluster) => {
      cluster.one(0, 7, true);
      for (let round = 0; round < 4; round++) {
        const down = cluster.servers.filter((_, i) => (i + round) % 7 < 3);
        for (const server of down) cluster.crash(server);
        for (let i = 0; i < 5; i++) cluster.one(round * 10 + i, 4, true);
        for (const server of down) cluster.restart(server);
      }
      cluster.one(100, 7, true);
    });
  });

  it("never lets a term go backwards across crashes and restarts [R06.4.2, R06.4.1, R06.P.5]", async () => {
    await inCluster("terms across restarts", { servers: 3, seeds: [1, 2] }, (cluster) => {
      for (let round = 0; round < 10; round++) {
        const victim = cluster.rng.pick(cluster.servers);
        cluster.sleep(cluster.rng.int(0, ELECTION_TIMEOUT_MS));
        const before = cluster.view(victim).term;
        cluster.crash(victim);
        cluster.restart(victim);
        expect(cluster.view(victim).term, `${victim}'s term after a restart`).toBeGreaterThanOrEqual(before);
      }
      cluster.one("after", 3, true);
    });
  });
});
