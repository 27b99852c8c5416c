// Step 1: leader election. MIT 6.5840's tests 3A, in virtual time: a leader appears and stays while
// nothing fails; a new one appears within 5 s when it is cut off; none appears without a majority.
import { describe, expect, it } from "vitest";
import { ELECTION_TIMEOUT_MS, inCluster, LONG_TEST_MS } from "./cluster.ts";

describe("leader election", { timeout: LONG_TEST_MS }, () => {
  it("elects one leader, and keeps it and its term while nothing fails [R06.1.1, R06.1.3]", async () => {
    await inCluster("initial election", { servers: 3 }, (cluster) => {
      cluster.checkOneLeader();
      cluster.sleep(50);
      const term1 = cluster.checkTerms();
      expect(
        term1,
        "a leader exists, so some server started an election: the term is at least 1",
      ).toBeGreaterThanOrEqual(1);
      cluster.sleep(2 * ELECTION_TIMEOUT_MS);
      expect(cluster.checkTerms(), "the term changed although no server failed and no message was lost").toBe(term1);
      cluster.checkOneLeader();
    });
  });

  it("elects a new leader when the leader is cut off, and none without a majority [R06.1.1, R06.1.2, R06.1.4]", async () => {
    await inCluster("election after network failure", { servers: 3 }, (cluster) => {
      const leader1 = cluster.checkOneLeader();
      cluster.disconnect(leader1);
      cluster.checkOneLeader();
      cluster.connect(leader1);
      const leader2 = cluster.checkOneLeader();
      cluster.disconnect(leader2);
      cluster.disconnect(cluster.after(leader2, 1));
      cluster.sleep(2 * ELECTION_TIMEOUT_MS);
      cluster.checkNoLeader();
      cluster.connect(cluster.after(leader2, 1));
      cluster.checkOneLeader();
      cluster.connect(leader2);
      cluster.checkOneLeader();
    });
  });

  it("survives many elections with three of seven servers cut off each time [R06.1.1, R06.1.2, R06.1.5, R06.P.2]", async () => {
    await inCluster("multiple elections", { servers: 7 }, (cluster) => {
      cluster.checkOneLeader();
      for (let iteration = 0; iteration < 10; iteration++) {
        const cut = new Set<string>();
        while (cut.size < 3) cut.add(cluster.rng.pick(cluster.servers));
        for (const server of cut) cluster.disconnect(server);
        cluster.checkOneLeader();
        for (const server of cut) cluster.connect(server);
      }
      cluster.checkOneLeader();
    });
  });
});
