// The leader, step by step, with its two peers played by the test (scripted.ts): a write is answered only
// once its entry commits; one entry is in flight and later writes wait for the next; retries come from the
// session table; a new leader commits a noop before it reads; a read waits for a probe round that started
// after it and that a majority acknowledged in the leader's own term; a deposed leader says so.
import type { AppendEntries } from "@distlab/lab/06-raft/messages.ts";
import { Simulator } from "@distlab/kit/sim";
import { describe, expect, it } from "vitest";
import type { Command, ReadProbe } from "../src/messages.ts";
import { PEERS, ScriptedCluster, SERVER } from "./scripted.ts";

async function leader(options: { holdAppends?: boolean; holdProbes?: boolean } = {}): Promise<ScriptedCluster> {
  const cluster = await ScriptedCluster.open(new Simulator({ seed: 7, name: "scripted leader" }));
  cluster.holdProbes = options.holdProbes ?? false;
  cluster.elect();
  cluster.holdAppends = options.holdAppends ?? false;
  return cluster;
}

function appendsCarrying(cluster: ScriptedCluster, since: number): Array<AppendEntries<Command>> {
  return cluster
    .sent("AppendEntries")
    .filter((r) => r.time >= since && r.to === PEERS[0])
    .map((r) => r.msg as AppendEntries<Command>)
    .filter((msg) => msg.entries.length > 0);
}

describe("the leader's writes (README steps 1–2)", () => {
  it("answers a write only after its entry is committed [R07.1.2, R07.P.1]", async () => {
    const cluster = await leader({ holdAppends: true });
    cluster.request({ op: "put", key: "k", value: "v" }, 1);
    cluster.sim.runFor(200);
    expect(cluster.loggedRequests(), "the write is in the leader's log").toEqual([expect.objectContaining({ seq: 1 })]);
    expect(cluster.answer(1), "answered before a majority had the entry").toBeUndefined();
    cluster.ackAppends();
    cluster.sim.runFor(20);
    expect(cluster.answer(1)).toEqual({ version: expect.any(Number) });
  });

  it("keeps one entry in flight and puts the writes that arrive meanwhile in the next one [R07.2.2, R07.2.3]", async () => {
    const cluster = await leader({ holdAppends: true });
    const since = cluster.sim.now;
    cluster.request({ op: "put", key: "a", value: "1" }, 1, "x");
    cluster.sim.runFor(5);
    for (const client of ["y", "z", "w"]) cluster.request({ op: "append", key: "a", value: client }, 1, client);
    cluster.sim.runFor(200);
    const first = appendsCarrying(cluster, since);
    const entries = new Set(first.flatMap((msg) => msg.entries.map((entry) => entry.index)));
    expect(entries.size, "while the first entry is in flight, no other entry is started").toBe(1);
    cluster.ackAppends();
    cluster.sim.runFor(20);
    const logged = cluster.server().raft.log.filter((entry) => entry.command.type === "batch");
    const last = logged.at(-1)!.command as Extract<Command, { type: "batch" }>;
    expect(last.requests.map((r) => r.client).sort(), "the three writes that waited go in one entry").toEqual([
      "w",
      "y",
      "z",
    ]);
    cluster.ackAppends();
    cluster.sim.runFor(20);
    expect(cluster.answers().filter((m) => m.type === "reply").length, "the four writes are answered").toBe(4);
  });

  it("answers a retry of the last applied write from the session, without a new entry; ignores older ones [R07.2.1]", async () => {
    const cluster = await leader();
    cluster.request({ op: "append", key: "k", value: "x" }, 1);
    cluster.sim.runFor(50);
    const first = cluster.answer(1);
    expect(first).toEqual({ version: expect.any(Number) });
    const entries = cluster.server().raft.log.length;
    cluster.request({ op: "append", key: "k", value: "x" }, 1);
    cluster.request({ op: "append", key: "k", value: "x" }, 0);
    cluster.sim.runFor(50);
    const replies = cluster.answers().filter((m) => m.type === "reply");
    expect(
      replies.map((m) => (m as { seq: number }).seq),
      "seq 1 answered twice, seq 0 never",
    ).toEqual([1, 1]);
    expect((replies[1] as { result: unknown }).result, "the retry gets the first result").toEqual(first);
    expect(cluster.server().raft.log.length, "a retry answered from the session adds no entry").toBe(entries);
  });

  it("puts a request sent twice before it commits into the log once [R07.2.2]", async () => {
    const cluster = await leader({ holdAppends: true });
    cluster.request({ op: "put", key: "a", value: "1" }, 1, "first");
    cluster.sim.runFor(5);
    cluster.request({ op: "append", key: "a", value: "x" }, 1);
    cluster.request({ op: "append", key: "a", value: "x" }, 1);
    cluster.sim.runFor(50);
    cluster.ackAppends();
    cluster.sim.runFor(20);
    cluster.ackAppends();
    cluster.sim.runFor(20);
    const copies = cluster.loggedRequests().filter((r) => r.client === "raw");
    expect(copies.length, "the same request twice in the log").toBe(1);
    expect(cluster.answer(1)).toEqual({ version: expect.any(Number) });
  });

  it("says notLeader, naming the new leader, to every write and read it owes when it is deposed [R07.2.5, R07.P.4]", async () => {
    const cluster = await leader({ holdAppends: true, holdProbes: true });
    cluster.request({ op: "put", key: "k", value: "v" }, 1, "writer");
    cluster.request({ op: "get", key: "k" }, 1, "reader");
    cluster.sim.runFor(50);
    expect(cluster.answers()).toEqual([]);
    const term = cluster.server().raft.currentTerm + 1;
    const heartbeat: AppendEntries<Command> = {
      type: "AppendEntries",
      term,
      leaderId: PEERS[0]!,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [],
      leaderCommit: 0,
    };
    cluster.sim.clientSend(PEERS[0]!, SERVER, heartbeat);
    cluster.sim.runFor(20);
    expect(cluster.server().raft.role).toBe("follower");
    const told = cluster.answers().map((msg) => {
      const { type, seq, leader } = msg as { type: string; seq?: number; leader?: unknown };
      return { type, seq, leader };
    });
    expect(told).toEqual([
      { type: "notLeader", seq: 1, leader: PEERS[0] },
      { type: "notLeader", seq: 1, leader: PEERS[0] },
    ]);
  });
});

describe("the leader's reads (README steps 2–3)", () => {
  it("starts a noop when it takes office, and reads only once an entry of its term is committed [R07.2.4, R07.3.1, R07.P.7]", async () => {
    const cluster = await ScriptedCluster.open(new Simulator({ seed: 3, name: "new leader reads" }));
    cluster.holdAppends = true;
    cluster.holdProbes = false;
    cluster.sim.runUntil(() => cluster.server().raft.role === "leader", { within: 2_000 });
    const raft = cluster.server().raft;
    expect(raft.log.at(-1)?.command, "the new leader's first entry").toEqual({ type: "noop" });
    cluster.request({ op: "get", key: "k" }, 1);
    cluster.sim.runFor(300);
    expect(cluster.answer(1), "a read before the noop committed").toBeUndefined();
    cluster.ackAppends();
    cluster.sim.runFor(50);
    expect(cluster.answer(1)).toEqual({ value: null, version: null });
  });

  it("answers a read once a majority acknowledged a probe round started after it arrived [R07.3.1, R07.3.2, R07.3.4, R07.P.6]", async () => {
    const cluster = await leader({ holdProbes: true });
    cluster.request({ op: "put", key: "k", value: "v" }, 1, "writer");
    cluster.sim.runFor(50);
    cluster.request({ op: "get", key: "k" }, 1, "A");
    cluster.sim.runFor(20);
    const rounds = cluster.probeRounds();
    expect(rounds.length, "one probe round for the first read").toBe(1);
    const probes = cluster.sent("readProbe").map((r) => ({ to: r.to, msg: r.msg as ReadProbe }));
    expect(probes.map((p) => p.to).sort(), "every peer is probed").toEqual([...PEERS].sort());
    expect(probes[0]!.msg.term).toBe(cluster.server().raft.currentTerm);
    cluster.request({ op: "get", key: "k" }, 1, "B");
    cluster.sim.runFor(20);
    expect(cluster.answers().filter((m) => m.type === "reply").length, "no read answered before its round").toBe(1);
    cluster.ackProbes(rounds[0]!);
    cluster.sim.runFor(20);
    const afterFirst = cluster.answers().filter((m) => m.type === "reply");
    expect(afterFirst.length, "the first read is answered by the first round, the second is not").toBe(2);
    expect((afterFirst[1] as { result: unknown }).result).toEqual({ value: "v", version: expect.any(Number) });
    const next = cluster.probeRounds().filter((round) => round > rounds[0]!);
    expect(next.length, "a new round starts for the read that arrived during the first").toBe(1);
    cluster.ackProbes(next[0]!);
    cluster.sim.runFor(20);
    expect(cluster.answers().filter((m) => m.type === "reply").length).toBe(3);
  });

  it("does not count an acknowledgement carrying another term [R07.3.3, R07.P.8]", async () => {
    const cluster = await leader({ holdProbes: true });
    cluster.request({ op: "get", key: "k" }, 1);
    cluster.sim.runFor(20);
    const [round] = cluster.probeRounds();
    cluster.ackProbes(round!, cluster.server().raft.currentTerm + 1);
    cluster.sim.runFor(40);
    expect(cluster.answer(1), "a read confirmed by acks of another term").toBeUndefined();
    cluster.sim.runFor(100);
    cluster.ackProbes(round!);
    cluster.sim.runFor(20);
    expect(cluster.answer(1)).toEqual({ value: null, version: null });
  });
});
