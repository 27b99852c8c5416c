import { describe, expect, it } from "vitest";
import { Simulator } from "./simulator.ts";
import { echoNode, senderNode } from "./test-nodes.ts";
import type { NodeDef, TraceEvent } from "./types.ts";

type Kind<K extends TraceEvent["kind"]> = Extract<TraceEvent, { kind: K }>;
const ofKind = <K extends TraceEvent["kind"]>(sim: Simulator, kind: K) =>
  sim.traceEvents().filter((e): e is Kind<K> => e.kind === kind);

/** Node that, on each "go" timer, sends its id to every peer, and records who it heard from. */
const gossip = (peers: string[]): NodeDef<{ heard: string[] }, string> => ({
  init: () => ({ heard: [] }),
  onMessage(state, from) {
    state.heard.push(from);
  },
  onTimer(_state, _timer, env) {
    for (const peer of peers) if (peer !== env.id) env.send(peer, env.id);
  },
});

/** Node that broadcasts at t=10 and t=110 (two rounds), so a test can change the network in between. */
const twoRounds = (peers: string[]): NodeDef<{ heard: string[] }, string> => ({
  ...gossip(peers),
  init(env) {
    env.setTimer("round", 10);
    env.setTimer("round", 110);
    return { heard: [] };
  },
});

const deliveredPairs = (sim: Simulator, from: number, to: number) =>
  new Set(
    ofKind(sim, "deliver")
      .filter((e) => e.t >= from && e.t < to)
      .map((e) => `${e.from}->${e.to}`),
  );

describe("the simulated network", () => {
  it("drops about the configured fraction of messages, and says why", () => {
    const sim = new Simulator({ seed: 5, network: { dropRate: 0.3 } });
    sim.addNode("a", senderNode(1000));
    sim.addNode("b", echoNode);
    sim.runFor(100);
    const drops = ofKind(sim, "drop").filter((e) => e.to === "b");
    expect(drops.length).toBeGreaterThan(220);
    expect(drops.length).toBeLessThan(380);
    expect(drops.every((e) => e.reason === "random")).toBe(true);
    expect(sim.state<{ received: unknown[] }>("b").received).toHaveLength(1000 - drops.length);
  });

  it("delivers a duplicated message twice", () => {
    const sim = new Simulator({ seed: 5, network: { duplicateRate: 1 } });
    sim.addNode("a", senderNode(10));
    sim.addNode("b", echoNode);
    sim.runFor(100);
    expect(ofKind(sim, "duplicate").filter((e) => e.to === "b")).toHaveLength(10);
    expect(sim.state<{ received: unknown[] }>("b").received).toHaveLength(20);
  });

  it("keeps every delay within [minDelay, maxDelay]", () => {
    const sim = new Simulator({ seed: 5, network: { minDelay: 5, maxDelay: 9 } });
    sim.addNode("a", senderNode(500));
    sim.addNode("b", echoNode);
    sim.runFor(100);
    const sentAt = new Map(ofKind(sim, "send").map((e) => [e.mid, e.t]));
    const delays = new Set(ofKind(sim, "deliver").map((e) => e.t - (sentAt.get(e.mid) as number)));
    expect([...delays].sort()).toEqual([5, 6, 7, 8, 9]);
  });

  it("reorders messages through random delays, and keeps order on a fifo link", () => {
    const order = (fifo: boolean) => {
      const sim = new Simulator({ seed: 5, network: { minDelay: 1, maxDelay: 50, fifo } });
      sim.addNode("a", senderNode(50));
      sim.addNode("b", echoNode);
      sim.runFor(200);
      return sim.state<{ received: Array<{ n: number }> }>("b").received.map((m) => m.n);
    };
    const inOrder = Array.from({ length: 50 }, (_, i) => i + 1);
    expect(order(false)).not.toEqual(inOrder);
    expect(order(true)).toEqual(inOrder);
  });

  it("holds back a message on purpose with reorderRate, even when delays are fixed", () => {
    const sim = new Simulator({ seed: 5, network: { minDelay: 3, maxDelay: 3, reorderRate: 0.5, reorderDelay: 20 } });
    sim.addNode("a", senderNode(20));
    sim.addNode("b", echoNode);
    sim.runFor(100);
    const received = sim.state<{ received: Array<{ n: number }> }>("b").received.map((m) => m.n);
    expect(received).toHaveLength(20);
    expect(received).not.toEqual([...received].sort((x, y) => x - y));
  });

  it("applies a per-link setting to that direction only", () => {
    const sim = new Simulator({ seed: 5 });
    sim.addNode("a", senderNode(5));
    sim.addNode("b", echoNode);
    sim.setLink("b", "a", { dropRate: 1 });
    sim.runFor(100);
    expect(sim.state<{ received: unknown[] }>("b").received).toHaveLength(5);
    expect(sim.state<{ pongs: number[] }>("a").pongs).toHaveLength(0);
  });

  it("blocks exactly the links a partition cuts, and heal restores them", () => {
    const ids = ["a", "b", "c", "d", "e"];
    const sim = new Simulator({ seed: 2 });
    for (const id of ids) sim.addNode(id, twoRounds(ids));
    sim.partition([
      ["a", "b"],
      ["c", "d", "e"],
    ]);
    sim.runFor(100);
    const sameSide = (x: string, y: string) => ["a", "b"].includes(x) === ["a", "b"].includes(y);
    const expected = ids.flatMap((x) => ids.filter((y) => y !== x && sameSide(x, y)).map((y) => `${x}->${y}`));
    expect(deliveredPairs(sim, 0, 100)).toEqual(new Set(expected));
    expect(ofKind(sim, "drop").every((e) => e.reason === "partition" && !sameSide(e.from, e.to))).toBe(true);
    sim.heal();
    sim.runFor(100);
    expect(deliveredPairs(sim, 100, 200).size).toBe(20);
  });

  it("lets an endpoint named in no group (a test client) reach both sides", () => {
    const sim = new Simulator({ seed: 2 });
    sim.addNode("a", echoNode);
    sim.addNode("b", echoNode);
    sim.partition([["a"], ["b"]]);
    const client = sim.addClient("client");
    client.send("a", { type: "ping", n: 1 });
    client.send("b", { type: "ping", n: 2 });
    sim.runFor(50);
    expect(client.inbox).toHaveLength(2);
  });

  it("drops a message already in flight when a partition cuts its link", () => {
    const sim = new Simulator({ seed: 2, network: { minDelay: 20, maxDelay: 20 } });
    sim.addNode("b", echoNode);
    sim.clientSend("client", "b", { type: "ping", n: 1 });
    sim.runFor(10);
    sim.partition([["client"], ["b"]]);
    sim.runFor(50);
    expect(ofKind(sim, "drop")).toMatchObject([{ to: "b", reason: "partition" }]);
  });

  it("drops messages sent to an id that is not in the simulation", () => {
    const sim = new Simulator({ seed: 1 });
    sim.addNode("a", senderNode(1, "nobody"));
    sim.runFor(10);
    expect(ofKind(sim, "drop")).toMatchObject([{ to: "nobody", reason: "unknown-node" }]);
  });
});

interface Counter {
  inMemory: number;
  ticks: number;
}

/** Counts messages in memory and in storage, and ticks a timer every 10 ms. */
const durableCounter: NodeDef<Counter, string> = {
  init(env) {
    env.setTimer("tick", 10);
    return { inMemory: 0, ticks: 0 };
  },
  onMessage(state, _from, _msg, env) {
    state.inMemory++;
    env.storage.set("count", (env.storage.get<number>("count") ?? 0) + 1);
  },
  onTimer(state, _timer, env) {
    state.ticks++;
    env.setTimer("tick", 10);
  },
};

describe("crash and restart", () => {
  it("keeps storage across a crash and loses memory", () => {
    const sim = new Simulator({ seed: 1 });
    sim.addNode("n", durableCounter);
    for (let i = 0; i < 3; i++) sim.clientSend("client", "n", "hello");
    sim.runFor(100);
    expect(sim.state<Counter>("n").inMemory).toBe(3);
    sim.crash("n");
    expect(sim.state("n")).toBeUndefined();
    sim.restart("n");
    expect(sim.state<Counter>("n")).toEqual({ inMemory: 0, ticks: 0 });
    expect(sim.storage("n").get("count")).toBe(3);
  });

  it("loses the pending timers of a crashed node and fires none while it is down", () => {
    const sim = new Simulator({ seed: 1 });
    sim.addNode("n", durableCounter);
    sim.runFor(55);
    sim.crash("n");
    const firesBefore = ofKind(sim, "timer-fire").length;
    sim.runFor(100);
    expect(ofKind(sim, "timer-fire")).toHaveLength(firesBefore);
    sim.restart("n");
    sim.runFor(25);
    expect(sim.state<Counter>("n").ticks).toBe(2);
  });

  it("drops the messages in flight to a node when it crashes, even if it is back before they arrive", () => {
    const sim = new Simulator({ seed: 1, network: { minDelay: 20, maxDelay: 20 } });
    sim.addNode("n", durableCounter);
    sim.clientSend("client", "n", "lost");
    sim.runFor(5);
    sim.crash("n");
    sim.restart("n");
    sim.clientSend("client", "n", "kept");
    sim.runFor(50);
    expect(ofKind(sim, "drop")).toMatchObject([{ to: "n", reason: "crashed" }]);
    expect(sim.storage("n").get("count")).toBe(1);
  });

  it("refuses calls through an env kept from before the crash", () => {
    let kept: { send(to: string, msg: string): void } | undefined;
    const sim = new Simulator({ seed: 1 });
    sim.addNode("n", { init: (env) => ((kept ??= env), null), onMessage() {}, onTimer() {} });
    sim.crash("n");
    sim.restart("n");
    expect(() => kept?.send("x", "late")).toThrowError(/through an env from before its crash/);
  });
});
