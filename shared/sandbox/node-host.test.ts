import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Simulator } from "../sim/simulator.ts";
import type { NodeDef } from "../sim/types.ts";
import { counterNode, type CounterState } from "./fixtures/src/counter.ts";
import { openNodeHost } from "./node-host.ts";
import type { NodeHost } from "./types.ts";

const fixture = fileURLToPath(new URL("./fixtures/", import.meta.url));

describe("the node host", () => {
  let host: NodeHost;
  beforeAll(async () => {
    host = await openNodeHost({ lab: "fixture", target: fixture, callTimeoutMs: 1_500 });
  });
  afterAll(() => host.close());

  it("calls an exported function with structured-clone data and returns its result", () => {
    const result = host.call(
      "counter.ts",
      "describe",
      new Map([
        ["b", 2],
        ["a", 40],
      ]),
    );
    expect(result).toEqual({ keys: ["a", "b"], total: 42 });
  });

  it("runs remote nodes on the simulator exactly as local ones, and reads their state", () => {
    const run = (local: boolean, jitter = false) => {
      const sim = new Simulator({ seed: 7 });
      const options = (peer: string, serve: boolean) => ({ peer, serve, limit: 20, jitter });
      const make = (peer: string, serve: boolean): NodeDef<unknown, unknown> =>
        local ? counterNode(options(peer, serve)) : host.node("counter.ts", "counterNode", options(peer, serve));
      sim.addNode("a", make("b", true));
      sim.addNode("b", make("a", false));
      sim.runFor(1_000);
      return { a: sim.state<CounterState>("a"), b: sim.state<CounterState>("b"), events: sim.eventCount, sim };
    };
    const local = run(true);
    const remote = run(false);
    expect(Math.max(remote.a.count, remote.b.count)).toBe(20);
    expect({ a: remote.a.count, b: remote.b.count }).toEqual({ a: local.a.count, b: local.b.count });
    const logs = (r: typeof local) => r.sim.traceEvents().filter((e) => e.kind === "log").length;
    expect(logs(remote)).toBe(logs(local));
    expect(remote.sim.traceHash()).toBe(local.sim.traceHash());
    expect(run(false, true).sim.traceHash()).toBe(run(false, true).sim.traceHash());
  });

  it("keeps storage across a crash and loses memory and timers", () => {
    const sim = new Simulator({ seed: 3 });
    sim.addNode("a", host.node("counter.ts", "counterNode", { peer: "b", serve: true, limit: 1_000 }));
    sim.addNode("b", host.node("counter.ts", "counterNode", { peer: "a", serve: false, limit: 1_000 }));
    sim.runFor(100);
    sim.crash("b");
    expect(sim.state("b")).toBeUndefined();
    const before = sim.storage("b").get<number>("count");
    expect(before).toBeGreaterThan(0);
    sim.runFor(200);
    sim.restart("b");
    expect(sim.state<CounterState>("b").count).toBe(before);
    sim.runFor(500);
    expect(sim.state<CounterState>("a").timeouts).toBeGreaterThan(0);
    expect(sim.state<CounterState>("b").count).toBeGreaterThan(before ?? 0);
  });

  it("replaces a remote node's state for a search and reads it back", () => {
    const sim = new Simulator({ seed: 1 });
    const def = host.node<CounterState>("counter.ts", "counterNode", { peer: "b", serve: false, limit: 5 });
    sim.addNode("a", def);
    const handle = {
      remote: (sim as unknown as { endpoints: Map<string, { state: { remote: number } }> }).endpoints.get("a")!.state
        .remote,
    };
    def.restore(handle, { count: 4, peer: "b", quietTimer: null, timeouts: 9 });
    expect(sim.state<CounterState>("a")).toMatchObject({ count: 4, timeouts: 9 });
  });

  it("reports a node's Math.random or Date.now to the simulator's guard", () => {
    const sim = new Simulator({ seed: 1 });
    sim.addNode("a", host.node("counter.ts", "peekTheClock"));
    expect(sim.violations.map((v) => [v.node, v.api])).toEqual([["a", "Date.now()"]]);
  });

  it("passes a thrown error's name and message, and refuses values that are not data", () => {
    expect(() => host.call("counter.ts", "throwTodo")).toThrow(/TODO\(lab99 §2\): write this/);
    expect(() => host.call("counter.ts", "giveFunction")).toThrow(/only plain data/);
    expect(() => host.call("counter.ts", "nope")).toThrow(/no exported function nope/);
    expect(() => host.call("../../sim/prng.ts", "hashString", "x")).toThrow(/not a path under the lab's src/);
    expect(host.alive).toBe(true);
  });
});

describe("a host whose code misbehaves", () => {
  it("stops a call that never returns, within its time limit, and says so", async () => {
    const host = await openNodeHost({ lab: "fixture", target: fixture, callTimeoutMs: 500 });
    const started = Date.now();
    expect(() => host.call("counter.ts", "spin")).toThrow(/spin\(\) in counter.ts did not return within 0.5 s/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(host.alive).toBe(false);
    expect(() => host.call("counter.ts", "describe", new Map())).toThrow(/the node host is stopped/);
    await host.close();
  });

  it("reports a host that exits in the middle of a call", async () => {
    const host = await openNodeHost({ lab: "fixture", target: fixture });
    expect(() => host.call("counter.ts", "exitNow")).toThrow(/exited during exitNow\(\)/);
    expect(host.alive).toBe(false);
    await host.close();
  });
});
