// Steps 1–2, their cost: MIT 6.5840's RPC count and RPC byte tests. A leader that sends heartbeats too
// often, resends entries a follower already has, or holds elections for nothing fails here, even when
// every command is committed.
import { describe, expect, it } from "vitest";
import { ELECTION_TIMEOUT_MS, inCluster, type RaftCluster, LONG_TEST_MS } from "./cluster.ts";

function randomString(cluster: RaftCluster, length: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let text = "";
  for (let i = 0; i < length; i++) text += alphabet[cluster.rng.int(0, alphabet.length - 1)];
  return text;
}

/** Starts 11 commands on the leader at once and waits for the first 10 on every server; false if the term moved. */
function tenAgreements(cluster: RaftCluster): { ok: boolean; rpcs: number } {
  const leader = cluster.checkOneLeader();
  const before = cluster.rpcCount;
  const first = cluster.start(leader, 1);
  if (!first.isLeader) return { ok: false, rpcs: 0 };
  const commands: number[] = [];
  for (let i = 1; i <= 11; i++) {
    const command = cluster.rng.int(0, 2 ** 31 - 1);
    commands.push(command);
    const answer = cluster.start(leader, command);
    if (!answer.isLeader || answer.term !== first.term) return { ok: false, rpcs: 0 };
    expect(answer.index, "start() gives consecutive indexes").toBe(first.index + i);
  }
  for (let i = 1; i <= 10; i++) {
    const applied = cluster.wait(first.index + i, 3, first.term);
    if (applied === -1) return { ok: false, rpcs: 0 };
    expect(applied, `the command at index ${first.index + i}`).toBe(commands[i - 1]);
  }
  const stillInTerm = cluster.servers.every((server) => cluster.view(server).term === first.term);
  return { ok: stillInTerm, rpcs: cluster.rpcCount - before };
}

describe("RPC counts and bytes", { timeout: LONG_TEST_MS }, () => {
  it("elects with at most 30 RPCs, agrees 10 times with at most 42, idles a second with at most 60 [R06.2.6, R06.1.6, R06.P.12]", async () => {
    await inCluster("RPC counts aren't too high", { servers: 3 }, (cluster) => {
      cluster.checkOneLeader();
      expect(cluster.rpcCount, "RPCs to elect the first leader").toBeGreaterThanOrEqual(1);
      expect(cluster.rpcCount, "RPCs to elect the first leader").toBeLessThanOrEqual(30);
      let result = { ok: false, rpcs: 0 };
      for (let attempt = 0; attempt < 5 && !result.ok; attempt++) {
        if (attempt > 0) cluster.sleep(3_000);
        result = tenAgreements(cluster);
      }
      expect(result.ok, "the term changed in each of 5 attempts to agree 10 times").toBe(true);
      expect(result.rpcs, "RPCs for 10 agreements among 3 servers").toBeLessThanOrEqual((10 + 1 + 3) * 3);
      const idleFrom = cluster.rpcCount;
      cluster.sleep(ELECTION_TIMEOUT_MS);
      expect(cluster.rpcCount - idleFrom, "RPCs in one idle second (heartbeats)").toBeLessThanOrEqual(3 * 20);
    });
  });

  it("sends each 5,000-byte command to each follower about once [R06.2.6, R06.2.4]", async () => {
    await inCluster("RPC byte count", { servers: 3, measureBytes: true }, (cluster) => {
      cluster.one(99, 3, false);
      const before = cluster.rpcBytes;
      let sent = 0;
      for (let index = 2; index < 12; index++) {
        const command = randomString(cluster, 5_000);
        expect(cluster.one(command, 3, false), "the index of the command").toBe(index);
        sent += command.length;
      }
      const bytes = cluster.rpcBytes - before;
      expect(bytes, `bytes of RPCs (as JSON) for ${sent} bytes of commands on 3 servers`).toBeLessThanOrEqual(
        3 * sent + 50_000,
      );
    });
  });
});
