import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkDeterminism } from "./determinism.ts";
import { forEachSeed, SeedFailure, selectSeeds } from "./seeds.ts";
import { Simulator } from "./simulator.ts";
import { echoNode, senderNode } from "./test-nodes.ts";
import type { NodeDef } from "./types.ts";

const honest = (sim: Simulator) => {
  sim.configureNetwork({ maxDelay: 40, dropRate: 0.1, duplicateRate: 0.1 });
  sim.addNode("a", senderNode(30));
  sim.addNode("b", echoNode);
  sim.runFor(500);
};

/** A node that picks its timeout with Math.random() instead of env.random(). */
const usesMathRandom: NodeDef<null, string> = {
  init(env) {
    env.setTimer("election", Math.floor(Math.random() * 1000));
    return null;
  },
  onMessage() {},
  onTimer() {},
};

const usesDateNow: NodeDef<{ startedAt: number }, string> = {
  init: () => ({ startedAt: Date.now() }),
  onMessage() {},
  onTimer() {},
};

describe("checkDeterminism", () => {
  it("passes a scenario whose node code only uses env", async () => {
    const report = await checkDeterminism(honest, 11);
    expect(report.deterministic).toBe(true);
    expect(report.hashes[0]).toBe(report.hashes[1]);
  });

  it("catches a node that uses Math.random, naming the node and the fix", async () => {
    const report = await checkDeterminism((sim) => {
      sim.addNode("sneaky", usesMathRandom);
      sim.runFor(2000);
    }, 3);
    expect(report.deterministic).toBe(false);
    expect(report.message).toContain('node "sneaky" called Math.random()');
    expect(report.message).toContain("env.random()");
  });

  it("catches a node that reads Date.now, even when both traces happen to match", async () => {
    const report = await checkDeterminism((sim) => sim.addNode("clocky", usesDateNow), 3);
    expect(report.deterministic).toBe(false);
    expect(report.message).toMatch(/node "clocky" called Date.now\(\).*env.now\(\)/);
  });

  it("points at the first differing event when state leaks between runs", async () => {
    let runs = 0;
    const report = await checkDeterminism((sim) => {
      runs++;
      sim.addNode("a", senderNode(runs));
      sim.addNode("b", echoNode);
      sim.runFor(100);
    }, 1);
    expect(report.firstDifference?.index).toBeGreaterThan(0);
    expect(report.message).toContain("first difference is at event #");
    expect(report.message).toContain("state shared across runs");
  });

  it("restores Math.random, Date.now and setTimeout after a handler throws", async () => {
    const originals = [Math.random, Date.now, globalThis.setTimeout];
    const sim = new Simulator({ seed: 1, guard: "throw" });
    sim.addNode("strict", { init: () => null, onMessage: () => void Math.random(), onTimer() {} });
    sim.clientSend("client", "strict", "go");
    expect(() => sim.runFor(50)).toThrowError(/node "strict" called Math.random\(\)/);
    expect([Math.random, Date.now, globalThis.setTimeout]).toEqual(originals);
  });
});

describe("forEachSeed", () => {
  let traceDir: string;
  const saved = { ...process.env };

  beforeEach(() => {
    traceDir = mkdtempSync(join(tmpdir(), "distlab-seeds-"));
    process.env["DISTLAB_TRACE_DIR"] = traceDir;
    process.env["DISTLAB_LAB"] = "06-raft";
    delete process.env["DISTLAB_SEED"];
  });

  afterEach(() => {
    process.env = { ...saved };
    rmSync(traceDir, { recursive: true, force: true });
  });

  it("runs seeds 1..N when given a count", async () => {
    const seen: number[] = [];
    await forEachSeed({ seeds: 4, scenario: (_sim, seed) => void seen.push(seed) });
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it("runs only DISTLAB_SEED when it is set", () => {
    expect(selectSeeds(20, { DISTLAB_SEED: "17" })).toEqual([17]);
    expect(() => selectSeeds(20, { DISTLAB_SEED: "x" })).toThrowError(/DISTLAB_SEED must be an integer/);
  });

  it("reports the failing seed, the replay command and a written trace file", async () => {
    const failing = forEachSeed({
      name: "elects one leader",
      seeds: [5, 6, 7],
      scenario(sim, seed) {
        honest(sim);
        if (seed === 6) throw new Error("two leaders in term 3");
      },
    });
    const error = (await failing.catch((e: unknown) => e)) as SeedFailure;
    expect(error).toBeInstanceOf(SeedFailure);
    expect(error.seed).toBe(6);
    expect(error.message).toContain("two leaders in term 3");
    expect(error.message).toContain("seed:   6");
    expect(error.message).toContain("npx distlab test 06-raft --seed 6");
    expect(error.traceFile).toBe(join(traceDir, "elects-one-leader-seed-6.jsonl"));
    expect(error.message).toContain(error.traceFile);
    const [header] = readFileSync(error.traceFile, "utf8").split("\n");
    expect(JSON.parse(header as string)).toMatchObject({
      kind: "header",
      seed: 6,
      scenario: "elects one leader",
      nodes: ["a", "b"],
    });
  });
});
