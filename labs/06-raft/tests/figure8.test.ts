// Steps 3 and 4 under stress: MIT 6.5840's Figure 8 and churn tests (3C), in virtual time. Leaders crash
// or vanish right after taking commands, so logs diverge in every way Figure 8 of the paper describes;
// the invariants, checked at every step, catch an entry committed by counting replicas of an old term.
import { describe, expect, it } from "vitest";
import { ELECTION_TIMEOUT_MS, inCluster, type RaftCluster } from "./cluster.ts";
import { BackgroundAgreement, ChurnClient } from "./clients.ts";

/** Mostly a few ms, sometimes up to half an election timeout (as MIT's Figure 8 tests sleep). */
function shortOrLongPause(cluster: RaftCluster): void {
  cluster.sleep(cluster.rng.int(0, 999) < 100 ? cluster.rng.int(0, ELECTION_TIMEOUT_MS / 2) : cluster.rng.int(0, 12));
}

function startEverywhere(cluster: RaftCluster, onlyConnected: boolean): string | undefined {
  let leader: string | undefined;
  for (const server of cluster.servers) {
    if (!cluster.isUp(server)) continue;
    const answer = cluster.start(server, cluster.rng.int(0, 9_999));
    if (answer.isLeader && (!onlyConnected || cluster.isConnected(server))) leader = server;
  }
  return leader;
}

/** MIT's churn: three clients offer commands while servers are cut off, crash and come back, 20 times. */
function churn(cluster: RaftCluster, unreliable: boolean): void {
  const clients = [0, 1, 2].map((me) => new ChurnClient(cluster, me));
  for (let iteration = 0; iteration < 20; iteration++) {
    if (cluster.rng.int(0, 999) < 200) cluster.disconnect(cluster.rng.pick(cluster.servers));
    if (cluster.rng.int(0, 999) < 500) cluster.restartIfDown(cluster.rng.pick(cluster.servers));
    if (cluster.rng.int(0, 999) < 200) {
      const victim = cluster.rng.pick(cluster.servers);
      if (cluster.isUp(victim)) cluster.crash(victim);
    }
    cluster.sleep((ELECTION_TIMEOUT_MS * 7) / 10);
  }
  cluster.sleep(ELECTION_TIMEOUT_MS);
  if (unreliable) cluster.setUnreliable(false);
  for (const server of cluster.servers) cluster.restartIfDown(server);
  for (const client of clients) client.stop();
  cluster.sleep(ELECTION_TIMEOUT_MS);
  const lastIndex = cluster.one(cluster.rng.int(0, 2 ** 31 - 1), 5, true);
  const final = new Set<unknown>();
  for (let index = 1; index <= lastIndex; index++) final.add(cluster.wait(index, 5, -1));
  const seen = clients.flatMap((client) => client.committed);
  for (const command of seen) expect(final.has(command), `${command} was committed, then lost`).toBe(true);
}

describe("Figure 8 and churn", () => {
  it("keeps every invariant while leaders crash right after taking commands (Figure 8) [R06.3.1, R06.4.3]", async () => {
    await inCluster("Figure 8", { servers: 5 }, (cluster) => {
      cluster.one(cluster.rng.int(0, 9_999), 1, true);
      let up = 5;
      for (let iteration = 0; iteration < 1_000; iteration++) {
        const leader = startEverywhere(cluster, false);
        shortOrLongPause(cluster);
        if (leader !== undefined) {
          cluster.crash(leader);
          up--;
        }
        if (up < 3) {
          const server = cluster.rng.pick(cluster.servers);
          if (!cluster.isUp(server)) {
            cluster.restart(server);
            up++;
          }
        }
      }
      for (const server of cluster.servers) cluster.restartIfDown(server);
      cluster.one(cluster.rng.int(0, 9_999), 5, true);
    });
  });

  it("agrees on an unreliable network with commands offered concurrently [R06.2.5, R06.4.3]", async () => {
    await inCluster("unreliable agreement", { servers: 5, unreliable: true }, (cluster) => {
      const background: BackgroundAgreement[] = [];
      for (let iteration = 1; iteration < 50; iteration++) {
        for (let j = 0; j < 4; j++) background.push(new BackgroundAgreement(cluster, 100 * iteration + j, 1));
        cluster.one(iteration, 1, true);
      }
      cluster.setUnreliable(false);
      cluster.sim.runUntil(() => background.every((task) => task.done || task.failure !== undefined), {
        within: 12_000,
      });
      for (const task of background) expect(task.failure, `command ${task.command}`).toBeUndefined();
      cluster.one(100, 5, true);
    });
  });

  it("keeps every invariant with leaders cut off on an unreliable, long-reordering network (Figure 8) [R06.3.1, R06.4.3, R06.2.4]", async () => {
    await inCluster("Figure 8 (unreliable)", { servers: 5, unreliable: true }, (cluster) => {
      cluster.one(cluster.rng.int(0, 9_999), 1, true);
      let up = 5;
      for (let iteration = 0; iteration < 1_000; iteration++) {
        if (iteration === 200) cluster.setLongReordering(true);
        const leader = startEverywhere(cluster, true);
        shortOrLongPause(cluster);
        if (leader !== undefined && cluster.rng.int(0, 999) < ELECTION_TIMEOUT_MS / 2) {
          cluster.disconnect(leader);
          up--;
        }
        if (up < 3) {
          const server = cluster.rng.pick(cluster.servers);
          if (!cluster.isConnected(server)) {
            cluster.connect(server);
            up++;
          }
        }
      }
      for (const server of cluster.servers) cluster.connect(server);
      cluster.setLongReordering(false);
      cluster.setUnreliable(false);
      cluster.one(cluster.rng.int(0, 9_999), 5, true);
    });
  });

  it("loses no committed command while servers churn [R06.4.2, R06.4.3, R06.3.3]", async () => {
    await inCluster("churn", { servers: 5 }, (cluster) => churn(cluster, false));
  });

  it("loses no committed command while servers churn on an unreliable network [R06.4.2, R06.4.3, R06.3.3]", async () => {
    await inCluster("unreliable churn", { servers: 5, unreliable: true }, (cluster) => churn(cluster, true));
  });
});
