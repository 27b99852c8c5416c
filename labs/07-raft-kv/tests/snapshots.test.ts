// Snapshots (MIT's TestSnapshotSize, TestSnapshotRPC, TestSnapshotRecover(ManyClients),
// TestSnapshotUnreliable): the log stays short, a snapshot holds the store and the sessions and nothing
// else, a follower that fell behind catches up from the leader's snapshot, servers restart from theirs,
// and a write retried after a restart from a snapshot does not run twice.
import type { NodeId, SimClient } from "@distlab/kit/sim";
import { describe, expect, it } from "vitest";
import type { KvMessage, Request, Result } from "../src/messages.ts";
import { assertLinearizable } from "./checks.ts";
import type { RaftKvCluster } from "./cluster.ts";
import { checkRun, crashAll, eachSeed, unreliable } from "./scenarios.ts";

const KEYS = ["a", "b", "c"];
const OPS = ["get", "put", "append", "versioned-put"] as const;
const MAX_LOG = 10;

const raws = new WeakMap<RaftKvCluster, SimClient<KvMessage>>();

/** Sends `request` as a bare client endpoint would, to each server in turn, until one replies. */
function rawRequest(cluster: RaftKvCluster, request: Request, within = 5_000): Result {
  const { sim } = cluster;
  let raw = raws.get(cluster);
  if (raw === undefined) {
    raw = sim.addClient<KvMessage>("raw");
    raws.set(cluster, raw);
  }
  const start = raw.inbox.length;
  const end = sim.now + within;
  for (let i = 0; sim.now < end; i++) {
    raw.send(cluster.servers[i % cluster.servers.length]!, request);
    sim.runFor(100);
    const reply = raw.inbox.slice(start).find(({ msg }) => msg.type === "reply" && msg.seq === request.seq);
    if (reply) return (reply.msg as Extract<KvMessage, { type: "reply" }>).result;
  }
  throw new Error(`no server answered ${JSON.stringify(request)} within ${within} ms`);
}

/** The longest log of the servers that are up. */
function longestLog(cluster: RaftKvCluster): { server: NodeId; length: number } {
  return cluster.servers
    .filter((id) => cluster.sim.isUp(id))
    .map((server) => ({ server, length: cluster.server(server).raft.log.length }))
    .reduce((a, b) => (b.length > a.length ? b : a), { server: "", length: 0 });
}

describe("snapshots (README step 5)", () => {
  it("keeps every server's log short while 5 clerks write [R07.5.1]", async () => {
    await eachSeed("log stays short", 1, { servers: 3, clerks: 5, maxLogEntries: MAX_LOG }, (cluster, rng) => {
      cluster.startWorkload({ clerks: cluster.clerks, keys: KEYS, ops: ["put", "append"], until: 1_000, rng });
      let longest = { server: "", length: 0 };
      for (let t = 0; t < 1_000; t += 100) {
        cluster.sim.runFor(100);
        const now = longestLog(cluster);
        if (now.length > longest.length) longest = now;
      }
      cluster.settle();
      const entries = cluster.server(cluster.waitForLeader()).raft.snapshotIndex;
      expect(entries, "the log was compacted").toBeGreaterThan(MAX_LOG);
      expect(longest.length, `${longest.server}'s log held ${longest.length} entries`).toBeLessThanOrEqual(MAX_LOG + 3);
    });
  });

  it("snapshots the store and the sessions, and nothing else [R07.5.1]", async () => {
    await eachSeed("snapshot size", 1, { servers: 3, clerks: 5, maxLogEntries: MAX_LOG }, (cluster, rng) => {
      cluster.startWorkload({ clerks: cluster.clerks, keys: KEYS, ops: ["put"], until: 1_000, rng });
      cluster.settle();
      for (const server of cluster.servers) {
        const stored = Object.values(cluster.sim.storage(server).snapshot());
        const snapshot = stored.find((value) => typeof value === "object" && value !== null && "keyspace" in value) as
          { keyspace: unknown; sessions: object } | undefined;
        expect(snapshot, `${server} keeps a snapshot with the keyspace`).toBeDefined();
        expect(Object.keys(snapshot!).sort()).toEqual(["keyspace", "sessions"]);
        const clerks = Object.keys(snapshot!.sessions).length;
        expect(clerks, "the sessions of the clerks are in the snapshot").toBe(5);
        const bytes = JSON.stringify(snapshot).length;
        expect(bytes, `a snapshot of 3 short keys and 5 sessions took ${bytes} bytes`).toBeLessThan(1_500);
      }
    });
  });

  it("brings a follower that was cut off up to date with the leader's snapshot [R07.5.2]", async () => {
    await eachSeed("install snapshot", 2, { servers: 3, clerks: 1, maxLogEntries: MAX_LOG }, (cluster) => {
      const { sim } = cluster;
      cluster.put("c1", "a", "0");
      const leader = cluster.waitForLeader();
      const [follower, other] = cluster.servers.filter((id) => id !== leader) as [NodeId, NodeId];
      sim.partition([[follower], [leader, other]]);
      for (let i = 1; i <= 40; i++) cluster.append("c1", "a", `${i};`);
      const expected = cluster.get("c1", "a").value;
      sim.heal();
      sim.runFor(1_000);
      // Now the follower and one other server must carry on without the leader.
      sim.partition([[follower, other], [leader]]);
      expect(cluster.get("c1", "a", 10_000).value, "the caught-up follower serves every append").toBe(expected);
      cluster.append("c1", "a", "after;");
      expect(cluster.get("c1", "a").value).toBe(`${expected}after;`);
      const installs = sim
        .traceEvents()
        .filter(
          (e) => e.kind === "send" && e.to === follower && (e.msg as { type?: string }).type === "InstallSnapshot",
        );
      expect(installs.length, "the follower was sent the leader's snapshot").toBeGreaterThan(0);
      assertLinearizable(cluster.history(), "install snapshot");
    });
  });

  it("recovers every server from its snapshot after all of them crash, with 1 and with 5 clerks [R07.5.2, R07.0.3]", async () => {
    for (const clerks of [1, 5]) {
      await eachSeed(
        `snapshot recover ${clerks}`,
        1,
        { servers: 3, clerks, maxLogEntries: MAX_LOG },
        (cluster, rng) => {
          cluster.startWorkload({ clerks: cluster.clerks, keys: KEYS, ops: [...OPS], until: 2_400, rng });
          crashAll(cluster, 800);
          crashAll(cluster, 1_600);
          checkRun(cluster, KEYS, `snapshot recover ${clerks}`);
        },
      );
    }
  });

  it("stays linearizable with snapshots on an unreliable network [R07.5.1, R07.5.2, R07.0.2]", async () => {
    await eachSeed("snapshot unreliable", 2, { servers: 3, clerks: 5, maxLogEntries: MAX_LOG }, (cluster, rng) => {
      unreliable(cluster.sim);
      cluster.startWorkload({ clerks: cluster.clerks, keys: KEYS, ops: [...OPS], until: 2_000, rng });
      checkRun(cluster, KEYS, "snapshot unreliable");
    });
  });

  it("does not run a retried write twice after every server restarted from a snapshot [R07.5.1, R07.5.2, R07.P.10]", async () => {
    await eachSeed("dedup across snapshots", 2, { servers: 3, clerks: 1, maxLogEntries: MAX_LOG }, (cluster) => {
      const request: Request = {
        type: "request",
        client: "raw",
        seq: 1,
        op: { op: "append", key: "once", value: "x" },
      };
      const first = rawRequest(cluster, request);
      for (let i = 0; i < 3 * MAX_LOG; i++) cluster.put("c1", "other", `${i}`);
      for (const id of cluster.servers) cluster.sim.crash(id);
      for (const id of cluster.servers) cluster.sim.restart(id);
      expect(rawRequest(cluster, request, 10_000), "the retry gets the first result").toEqual(first);
      expect(cluster.get("c1", "once").value, "the append ran once").toBe("x");
    });
  });
});
