import { describe, expect, it } from "vitest";
import { parseTrace, renderTextTimeline } from "./render.ts";
import { Simulator } from "./simulator.ts";
import { MemoryStorage } from "./storage.ts";
import type { NodeDef } from "./types.ts";

/** Writes "a" then syncs, then writes "b" without a sync, when its "write" timer fires at t=10. */
const halfSyncedWriter: NodeDef<{ booted: number }, never> = {
  init(env) {
    if (env.storage.get("a") === undefined) env.setTimer("write", 10);
    return { booted: env.now() };
  },
  onMessage() {},
  onTimer(_state, _timer, env) {
    env.storage.set("a", 1);
    env.storage.sync();
    env.storage.set("b", 2);
  },
};

describe("MemoryStorage", () => {
  it("makes every write durable at once by default, so sync() has nothing to do", () => {
    const storage = new MemoryStorage();
    storage.set("k", { v: 1 });
    storage.loseUnsynced();
    expect(storage.get("k")).toEqual({ v: 1 });
    expect(storage.buffered).toBe(false);
  });

  it("when buffered, shows writes at once but loses those not synced", () => {
    const storage = new MemoryStorage({ buffered: true });
    storage.set("kept", 1);
    storage.sync();
    storage.set("lost", 2);
    storage.delete("kept");
    expect(storage.keys()).toEqual(["lost"]);
    expect(storage.unsyncedCount).toBe(2);
    storage.loseUnsynced();
    expect(storage.snapshot()).toEqual({ kept: 1 });
  });

  it("when buffered, applies a delete at sync", () => {
    const storage = new MemoryStorage({ buffered: true });
    storage.set("k", 1);
    storage.sync();
    storage.delete("k");
    storage.sync();
    storage.loseUnsynced();
    expect(storage.get("k")).toBeUndefined();
  });

  it("does not let a caller change a stored value through its own reference", () => {
    const storage = new MemoryStorage({ buffered: true });
    const value = { list: [1] };
    storage.set("k", value);
    value.list.push(2);
    storage.get<{ list: number[] }>("k")!.list.push(3);
    expect(storage.get("k")).toEqual({ list: [1] });
  });
});

describe("Simulator durability", () => {
  it("keeps unsynced writes across a crash by default (Lab 04's contract)", () => {
    const sim = new Simulator({ seed: 1 });
    sim.addNode("n", halfSyncedWriter);
    sim.runFor(20);
    sim.crash("n");
    expect(sim.storage("n").snapshot()).toEqual({ a: 1, b: 2 });
  });

  it('with durability "sync", a crash loses what the node wrote but never synced', () => {
    const sim = new Simulator({ seed: 1, durability: "sync" });
    sim.addNode("n", halfSyncedWriter);
    sim.runFor(20);
    expect(sim.storage("n").snapshot()).toEqual({ a: 1, b: 2 });
    sim.crash("n");
    expect(sim.storage("n").snapshot()).toEqual({ a: 1 });
    sim.restart("n");
    sim.runFor(20);
    expect(sim.storage("n").snapshot(), "a restarted node reads only what was synced").toEqual({ a: 1 });
  });

  it("refuses an unknown durability mode with a clear message", () => {
    expect(() => new Simulator({ seed: 1, durability: "eventually" as never })).toThrow(/durability must be/);
  });
});

describe("Simulator observers", () => {
  const chatter: NodeDef<{ heard: number }, string> = {
    init(env) {
      env.setTimer("talk", 5);
      return { heard: 0 };
    },
    onMessage(state) {
      state.heard++;
    },
    onTimer(_state, _timer, env) {
      env.send(env.id === "a" ? "b" : "a", "hello");
    },
  };

  it("reports each send and each step that ran a handler, until stopped", () => {
    const sim = new Simulator({ seed: 3, network: { minDelay: 1, maxDelay: 1 } });
    sim.addNode("a", chatter);
    sim.addNode("b", chatter);
    const sends: string[] = [];
    const steps: string[] = [];
    const stop = sim.observe({
      onSend: (from, to, msg) => sends.push(`${from}->${to}:${String(msg)}`),
      afterStep: (step) => steps.push(`${step.time}:${step.kind}:${step.node ?? "-"}`),
    });
    sim.at(3, () => undefined);
    sim.runFor(10);
    expect(sends).toEqual(["a->b:hello", "b->a:hello"]);
    expect(steps).toEqual(["3:action:-", "5:timer:a", "5:timer:b", "6:message:b", "6:message:a"]);
    stop();
    sim.crash("a");
    sim.restart("a");
    sim.runFor(10);
    expect(sends).toHaveLength(2);
  });

  it("does not report a message dropped by a partition as a step", () => {
    const sim = new Simulator({ seed: 3, network: { minDelay: 1, maxDelay: 1 } });
    sim.addNode("a", chatter);
    sim.addNode("b", chatter);
    const steps: string[] = [];
    sim.observe({ afterStep: (step) => steps.push(`${step.kind}:${step.node}`) });
    sim.partition([["a"], ["b"]]);
    sim.runFor(10);
    expect(steps).toEqual(["timer:a", "timer:b"]);
  });
});

describe("test notes in the trace", () => {
  it("records what the test observed of a node in that node's column of the timeline", () => {
    const sim = new Simulator({ seed: 1 });
    sim.addNode("n1", halfSyncedWriter);
    sim.runFor(5);
    sim.annotate("n1", "term 3 leader, log 1..12");
    const header = JSON.stringify(sim.traceHeader());
    const timeline = renderTextTimeline(parseTrace([header, ...sim.traceLines()].join("\n")));
    expect(timeline).toMatch(/5ms\s+n1\s+▸ term 3 leader, log 1\.\.12/);
  });
});

describe("long reordering", () => {
  it("holds a reordered message back by reorderDelay plus up to reorderSpread ms", () => {
    const arrivals: number[] = [];
    for (let seed = 1; seed <= 30; seed++) {
      const sim = new Simulator({
        seed,
        network: { minDelay: 0, maxDelay: 0, reorderRate: 1, reorderDelay: 200, reorderSpread: 2000 },
      });
      sim.addClient("c");
      sim.addClient("d", () => arrivals.push(sim.now));
      sim.clientSend("c", "d", "x");
      sim.runFor(3000);
    }
    expect(Math.min(...arrivals)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...arrivals)).toBeLessThanOrEqual(2200);
    expect(new Set(arrivals).size, "the extra delay varies from message to message").toBeGreaterThan(10);
  });

  it("rejects a negative or fractional spread", () => {
    expect(() => new Simulator({ seed: 1, network: { reorderSpread: -1 } })).toThrow(/reorderSpread/);
    expect(() => new Simulator({ seed: 1, network: { reorderSpread: 1.5 } })).toThrow(/reorderSpread/);
  });
});
