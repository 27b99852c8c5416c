// The long scenarios of MIT 6.5840's 3C and 3D tests, shared by the visible tests (one seed) and the hidden
// ones (more seeds, harsher networks). Each drives a cluster and fails, through the cluster's checks and
// invariants, as soon as something goes wrong.
import { expect } from "vitest";
import { ELECTION_TIMEOUT_MS, SNAPSHOT_INTERVAL, type RaftCluster } from "./cluster.ts";
import { BackgroundAgreement, ChurnClient } from "./clients.ts";

/** MIT's MAXLOGSIZE: the largest log a server may keep in memory (JSON bytes) with snapshots every 10 entries. */
export const MAX_LOG_BYTES = 2_000;

export function anyCommand(cluster: RaftCluster): number {
  return cluster.rng.int(0, 2 ** 31 - 1);
}

/** Mostly a few ms, sometimes up to half an election timeout (as MIT's Figure 8 tests sleep). */
function shortOrLongPause(cluster: RaftCluster): void {
  cluster.sleep(cluster.rng.int(0, 999) < 100 ? cluster.rng.int(0, ELECTION_TIMEOUT_MS / 2) : cluster.rng.int(0, 12));
}

/** Offers a command to every running server; returns one that took it as leader. */
function startEverywhere(cluster: RaftCluster, onlyConnected: boolean): string | undefined {
  let leader: string | undefined;
  for (const server of cluster.servers) {
    if (!cluster.isUp(server)) continue;
    const answer = cluster.start(server, cluster.rng.int(0, 9_999));
    if (answer.isLeader && (!onlyConnected || cluster.isConnected(server))) leader = server;
  }
  return leader;
}

/** MIT's Figure 8: 1,000 times, a leader takes a command and crashes; a crashed server comes back when fewer than 3 run. */
export function figure8(cluster: RaftCluster, iterations = 1_000): void {
  cluster.one(cluster.rng.int(0, 9_999), 1, true);
  let up = cluster.servers.length;
  for (let iteration = 0; iteration < iterations; iteration++) {
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
  cluster.one(cluster.rng.int(0, 9_999), cluster.servers.length, true);
}

/** MIT's Figure 8 (unreliable): leaders cut off half the time, long reordering from iteration 200 on. */
export function figure8Unreliable(cluster: RaftCluster, iterations = 1_000): void {
  cluster.one(cluster.rng.int(0, 9_999), 1, true);
  let up = cluster.servers.length;
  for (let iteration = 0; iteration < iterations; iteration++) {
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
  cluster.one(cluster.rng.int(0, 9_999), cluster.servers.length, true);
}

/** MIT's unreliable agreement: 49 rounds of four background agreements and one in the foreground. */
export function unreliableAgreement(cluster: RaftCluster): void {
  const background: BackgroundAgreement[] = [];
  for (let iteration = 1; iteration < 50; iteration++) {
    for (let j = 0; j < 4; j++) background.push(new BackgroundAgreement(cluster, 100 * iteration + j, 1));
    cluster.one(iteration, 1, true);
  }
  cluster.setUnreliable(false);
  cluster.sim.runUntil(() => background.every((task) => task.done || task.failure !== undefined), { within: 12_000 });
  for (const task of background) expect(task.failure, `command ${task.command}`).toBeUndefined();
  cluster.one(100, cluster.servers.length, true);
}

/** MIT's churn: three clients offer commands while servers are cut off, crash and come back, 20 times. */
export function churn(cluster: RaftCluster, unreliable: boolean): void {
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
  const all = cluster.servers.length;
  const lastIndex = cluster.one(cluster.rng.int(0, 2 ** 31 - 1), all, true);
  const final = new Set<unknown>();
  for (let index = 1; index <= lastIndex; index++) final.add(cluster.wait(index, all, -1));
  const seen = clients.flatMap((client) => client.committed);
  for (const command of seen) expect(final.has(command), `${command} was committed, then lost`).toBe(true);
}

/**
 * MIT's snapcommon: 30 rounds in which a follower (or, every third round, the leader) is cut off or
 * crashed while the others commit enough to snapshot past it; then it comes back and must catch up.
 */
export function snapshotRounds(cluster: RaftCluster, how: { disconnect: boolean; crash: boolean }, rounds = 30): void {
  cluster.one(anyCommand(cluster), 3, true);
  let leader = cluster.checkOneLeader();
  for (let round = 0; round < rounds; round++) {
    let victim = cluster.after(leader, 1);
    let sender = leader;
    if (round % 3 === 1) [sender, victim] = [victim, sender];
    if (how.disconnect) {
      cluster.disconnect(victim);
      cluster.one(anyCommand(cluster), 2, true);
    }
    if (how.crash) {
      cluster.crash(victim);
      cluster.one(anyCommand(cluster), 2, true);
    }
    const count = SNAPSHOT_INTERVAL / 2 + cluster.rng.int(0, SNAPSHOT_INTERVAL - 1);
    for (let i = 0; i < count; i++) cluster.start(sender, anyCommand(cluster));
    cluster.one(anyCommand(cluster), how.disconnect || how.crash ? 2 : 3, true);
    expect(cluster.logSize(), `the largest log in memory (JSON bytes) after round ${round}`).toBeLessThan(
      MAX_LOG_BYTES,
    );
    if (how.disconnect) cluster.connect(victim);
    if (how.crash) cluster.restart(victim);
    if (how.disconnect || how.crash) {
      cluster.one(anyCommand(cluster), 3, true);
      leader = cluster.checkOneLeader();
    }
  }
}
