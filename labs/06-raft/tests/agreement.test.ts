// Steps 2 and 3: log replication and commitment. MIT 6.5840's tests 3B, in virtual time: agreement with
// every server, with a minority cut off, none without a majority, a deposed leader's entries discarded,
// and a leader that backs up over long divergent logs in a few round trips.
import { describe, expect, it } from "vitest";
import { ELECTION_TIMEOUT_MS, inCluster, LONG_TEST_MS } from "./cluster.ts";

describe("agreement", { timeout: LONG_TEST_MS }, () => {
  it("commits commands at indexes 1, 2, 3 on every server [R06.2.1, R06.3.1, R06.3.3]", async () => {
    await inCluster("basic agreement", { servers: 3 }, (cluster) => {
      for (let index = 1; index <= 3; index++) {
        expect(cluster.nCommitted(index).count, `index ${index} was committed before start()`).toBe(0);
        expect(cluster.one(index * 100, 3, false), "the index the command was committed at").toBe(index);
      }
    });
  });

  it("start() on a follower changes nothing and says so [R06.2.1]", async () => {
    await inCluster("start on a follower", { servers: 3 }, (cluster) => {
      const leader = cluster.checkOneLeader();
      const follower = cluster.after(leader, 1);
      const answer = cluster.start(follower, "not here");
      expect(answer.isLeader, "a follower is not the leader").toBe(false);
      cluster.sleep(ELECTION_TIMEOUT_MS);
      expect(cluster.view(follower).lastIndex, "a follower appends nothing itself").toBe(0);
      expect(cluster.one("here", 3, false)).toBe(1);
    });
  });

  it("agrees with one follower cut off, then cannot commit with both cut off [R06.2.5, R06.3.1]", async () => {
    await inCluster("progressive failure of followers", { servers: 3 }, (cluster) => {
      cluster.one(101, 3, false);
      const leader1 = cluster.checkOneLeader();
      cluster.disconnect(cluster.after(leader1, 1));
      cluster.one(102, 2, false);
      cluster.sleep(ELECTION_TIMEOUT_MS);
      cluster.one(103, 2, false);
      const leader2 = cluster.checkOneLeader();
      cluster.disconnect(cluster.after(leader2, 1));
      cluster.disconnect(cluster.after(leader2, 2));
      const answer = cluster.start(leader2, 104);
      expect(answer.isLeader, "the leader still believes it leads").toBe(true);
      expect(answer.index, "the index of the fourth command").toBe(4);
      cluster.sleep(2 * ELECTION_TIMEOUT_MS);
      expect(cluster.nCommitted(answer.index).count, "committed without a majority").toBe(0);
    });
  });

  it("agrees after the leader is cut off, and not after two leaders in a row are [R06.2.5, R06.1.1]", async () => {
    await inCluster("failure of leaders", { servers: 3 }, (cluster) => {
      cluster.one(101, 3, false);
      const leader1 = cluster.checkOneLeader();
      cluster.disconnect(leader1);
      cluster.one(102, 2, false);
      cluster.sleep(ELECTION_TIMEOUT_MS);
      cluster.one(103, 2, false);
      const leader2 = cluster.checkOneLeader();
      cluster.disconnect(leader2);
      for (const server of cluster.servers) cluster.start(server, 104);
      cluster.sleep(2 * ELECTION_TIMEOUT_MS);
      expect(cluster.nCommitted(4).count, "committed with a single server connected").toBe(0);
    });
  });

  it("brings a reconnected follower up to date [R06.2.2, R06.3.2]", async () => {
    await inCluster("agreement after follower reconnects", { servers: 3 }, (cluster) => {
      cluster.one(101, 3, false);
      const leader = cluster.checkOneLeader();
      cluster.disconnect(cluster.after(leader, 1));
      cluster.one(102, 2, false);
      cluster.one(103, 2, false);
      cluster.sleep(ELECTION_TIMEOUT_MS);
      cluster.one(104, 2, false);
      cluster.one(105, 2, false);
      cluster.connect(cluster.after(leader, 1));
      cluster.one(106, 3, true);
      cluster.sleep(ELECTION_TIMEOUT_MS);
      cluster.one(107, 3, true);
    });
  });

  it("commits nothing while three of five are cut off, then agrees again [R06.2.5, R06.3.1]", async () => {
    await inCluster("no agreement if too many followers disconnect", { servers: 5 }, (cluster) => {
      cluster.one(10, 5, false);
      const leader = cluster.checkOneLeader();
      for (const offset of [1, 2, 3]) cluster.disconnect(cluster.after(leader, offset));
      const answer = cluster.start(leader, 20);
      expect(answer.isLeader, "the cut-off leader still believes it leads").toBe(true);
      expect(answer.index, "the second command's index").toBe(2);
      cluster.sleep(2 * ELECTION_TIMEOUT_MS);
      expect(cluster.nCommitted(answer.index).count, "committed without a majority").toBe(0);
      for (const offset of [1, 2, 3]) cluster.connect(cluster.after(leader, offset));
      const leader2 = cluster.checkOneLeader();
      const again = cluster.start(leader2, 30);
      expect(again.isLeader).toBe(true);
      expect(again.index, "the new leader either kept the uncommitted entry or overwrote it").toBeGreaterThanOrEqual(2);
      expect(again.index).toBeLessThanOrEqual(3);
      cluster.one(1000, 5, true);
    });
  });

  it("commits commands started at the same instant, each at its own index [R06.2.1, R06.3.3, R06.P.7]", async () => {
    await inCluster("concurrent starts", { servers: 3 }, (cluster) => {
      const leader = cluster.checkOneLeader();
      const first = cluster.start(leader, 1);
      expect(first.isLeader).toBe(true);
      const answers = [2, 3, 4, 5, 6].map((command) => ({ command, answer: cluster.start(leader, command) }));
      const indexes = new Set<number>();
      for (const { command, answer } of answers) {
        if (!answer.isLeader || answer.term !== first.term) continue;
        expect(indexes.has(answer.index), `two commands got index ${answer.index}`).toBe(false);
        indexes.add(answer.index);
        const applied = cluster.wait(answer.index, 3, first.term);
        if (applied !== -1) expect(applied, `the command at index ${answer.index}`).toBe(command);
      }
      expect(indexes.size, "a leader that stayed in office took every command").toBe(5);
    });
  });

  it("discards a deposed leader's uncommitted entries when it rejoins [R06.2.2, R06.1.4, R06.3.1, R06.P.11]", async () => {
    await inCluster("rejoin of partitioned leader", { servers: 3 }, (cluster) => {
      cluster.one(101, 3, true);
      const leader1 = cluster.checkOneLeader();
      cluster.disconnect(leader1);
      for (const command of [102, 103, 104]) cluster.start(leader1, command);
      cluster.one(103, 2, true);
      const leader2 = cluster.checkOneLeader();
      cluster.disconnect(leader2);
      cluster.connect(leader1);
      cluster.one(104, 2, true);
      cluster.connect(leader2);
      cluster.one(105, 3, true);
    });
  });

  it("backs up over 50 divergent entries in a few round trips per follower [R06.2.3, R06.2.2, R06.P.6]", async () => {
    await inCluster("leader backs up quickly over incorrect follower logs", { servers: 5 }, (cluster) => {
      cluster.one(cluster.rng.int(0, 1e9), 5, true);
      const leader1 = cluster.checkOneLeader();
      // Three of five cut off: the leader's next 50 entries never commit.
      for (const offset of [2, 3, 4]) cluster.disconnect(cluster.after(leader1, offset));
      for (let i = 0; i < 50; i++) cluster.start(leader1, cluster.rng.int(0, 1e9));
      cluster.sleep(ELECTION_TIMEOUT_MS / 2);
      cluster.disconnect(leader1);
      cluster.disconnect(cluster.after(leader1, 1));
      for (const offset of [2, 3, 4]) cluster.connect(cluster.after(leader1, offset));
      // The other three elect a leader and commit 50 entries of their own.
      for (let i = 0; i < 50; i++) cluster.one(cluster.rng.int(0, 1e9), 3, true);
      const leader2 = cluster.checkOneLeader();
      const other = [2, 3, 4].map((offset) => cluster.after(leader1, offset)).find((s) => s !== leader2)!;
      cluster.disconnect(other);
      // leader2 takes 50 more that never commit.
      for (let i = 0; i < 50; i++) cluster.start(leader2, cluster.rng.int(0, 1e9));
      cluster.sleep(ELECTION_TIMEOUT_MS / 2);
      // The first leader, its follower and `other` come back: their logs diverge from each other's.
      const refusedBefore = cluster.consistencyRefusals;
      for (const server of cluster.servers) cluster.disconnect(server);
      cluster.connect(leader1);
      cluster.connect(cluster.after(leader1, 1));
      cluster.connect(other);
      for (let i = 0; i < 50; i++) cluster.one(cluster.rng.int(0, 1e9), 3, true);
      // The new leader's followers each had 50 entries of a term it does not have: a fast backup skips
      // them in one refusal each, where backing up one entry at a time takes 50.
      expect(
        cluster.consistencyRefusals - refusedBefore,
        "AppendEntries refused while the leader found where its followers' logs diverge from its own",
      ).toBeLessThanOrEqual(12);
      for (const server of cluster.servers) cluster.connect(server);
      cluster.one(cluster.rng.int(0, 1e9), 5, true);
    });
  });
});
