import { describe, expect, it } from "vitest";
import { RuleEngine } from "./engine.ts";
import { createPrng } from "./prng.ts";
import { FaultRuleError, httpRuleSchema, parseRule } from "./rules.ts";
import type { HttpRuleInput } from "./rules.ts";

function engineWith(rules: HttpRuleInput[], seed = 7) {
  const engine = new RuleEngine((input) => parseRule(httpRuleSchema, input), createPrng(seed));
  for (const rule of rules) engine.add(rule);
  return engine;
}

const get = { method: "GET", path: "/pets" };

describe("the seeded PRNG", () => {
  it("gives the same sequence for the same seed, and another for another seed", () => {
    const draw = (seed: number) => {
      const prng = createPrng(seed);
      return Array.from({ length: 5 }, () => prng.next());
    };
    expect(draw(99)).toEqual(draw(99));
    expect(draw(99)).not.toEqual(draw(100));
    for (const value of draw(3)) expect(value >= 0 && value < 1).toBe(true);
  });

  it("refuses a seed that is not a 32-bit unsigned integer", () => {
    expect(() => createPrng(-1)).toThrow(RangeError);
    expect(() => createPrng(1.5)).toThrow(RangeError);
  });
});

describe("rule validation", () => {
  it.each([
    [{ fault: "meteor" }, "fault"],
    [{ fault: "latency", ms: -1 }, "ms"],
    [{ fault: "latency" }, "ms"],
    [{ fault: "drop-request", probability: -0.1 }, "probability"],
    [{ fault: "bandwidth", bytesPerSecond: 0 }, "bytesPerSecond"],
    [{ fault: "duplicate", mode: "twice" }, "mode"],
    [{ fault: "reset", route: { path: "charges" } }, "route.path"],
    [{ fault: "reset", route: { path: "/a", pathRegex: "b" } }, "route.pathRegex"],
    [{ fault: "reset", id: "has space" }, "id"],
  ])("refuses %j, naming %s", (rule, field) => {
    const engine = engineWith([]);
    let thrown: unknown;
    try {
      engine.add(rule);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FaultRuleError);
    expect((thrown as FaultRuleError).issues.map((issue) => issue.field)).toContain(field);
    expect((thrown as FaultRuleError).message).toContain(field);
    expect(engine.list()).toEqual([]);
  });

  it("fills in defaults and gives every rule an id", () => {
    const engine = engineWith([{ fault: "latency", ms: 10 }, { fault: "duplicate" }]);
    expect(engine.list()).toEqual([
      { id: "rule-1", fault: "latency", ms: 10, jitterMs: 0, probability: 1 },
      { id: "rule-2", fault: "duplicate", mode: "sequential", probability: 1 },
    ]);
  });
});

describe("deciding the faults of a request", () => {
  it("adds up latencies and keeps the lowest bandwidth, whatever the action", () => {
    const engine = engineWith([
      { fault: "latency", ms: 100 },
      { fault: "bandwidth", bytesPerSecond: 5000 },
      { fault: "drop-response" },
      { fault: "latency", ms: 20 },
      { fault: "bandwidth", bytesPerSecond: 800 },
    ]);
    const decision = engine.decide(get);
    expect(decision.delayMs).toBe(120);
    expect(decision.bytesPerSecond).toBe(800);
    expect(decision.action?.fault).toBe("drop-response");
  });

  it("lets the first firing action decide, without using up the later ones", () => {
    const engine = engineWith([
      { fault: "reset", times: 1 },
      { fault: "blackhole", times: 1 },
    ]);
    expect([engine.decide(get), engine.decide(get), engine.decide(get)].map((d) => d.action?.fault)).toEqual([
      "reset",
      "blackhole",
      undefined,
    ]);
  });

  it("draws jitter between the fixed delay and the fixed delay plus the jitter", () => {
    const engine = engineWith([{ fault: "latency", ms: 50, jitterMs: 30 }]);
    const delays = Array.from({ length: 200 }, () => engine.decide(get).delayMs);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...delays)).toBeLessThanOrEqual(80);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });

  it("fires a probability-p rule on about p of the requests, the same ones for the same seed", () => {
    const fired = (seed: number) => {
      const engine = engineWith([{ fault: "reset", probability: 0.25 }], seed);
      return Array.from({ length: 2000 }, () => engine.decide(get).action !== undefined);
    };
    const share = fired(11).filter(Boolean).length / 2000;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.3);
    expect(fired(11)).toEqual(fired(11));
  });

  it("never applies a route-bound rule to a TCP connection", () => {
    const engine = engineWith([{ fault: "reset", route: { method: "GET" } }]);
    expect(engine.decide().action).toBeUndefined();
    expect(engine.decide(get).action?.fault).toBe("reset");
  });

  it("removes one rule by id, or all of them, and keeps the lifetime fault counts", () => {
    const engine = engineWith([
      { id: "a", fault: "reset" },
      { id: "b", fault: "blackhole" },
    ]);
    engine.decide(get);
    expect(engine.remove("a")).toBe(true);
    expect(engine.remove("a")).toBe(false);
    expect(engine.list().map((rule) => rule.id)).toEqual(["b"]);
    engine.clear();
    expect(engine.stats()).toEqual({ faults: { reset: 1 }, rules: [] });
  });
});
