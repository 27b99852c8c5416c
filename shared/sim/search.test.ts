import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { counterNode, type CounterState } from "../sandbox/fixtures/src/counter.ts";
import { openNodeHost } from "../sandbox/node-host.ts";
import { parseTrace, renderHtmlTimeline, renderTextTimeline } from "./render.ts";
import { explore, SearchError, type SearchInvariant } from "./search.ts";
import type { NodeDef } from "./types.ts";

type Vote = { type: "ask" } | { type: "yes" };

interface VoterState {
  /** Whom this node voted for; the buggy version forgets it and votes for anyone who asks. */
  votedFor: string | null;
  yes: number;
  leader: boolean;
}

/** Three nodes; a node whose "run" timer fires asks the others; two yes (its own included) make it leader. */
function voter(peers: string[], oneVoteOnly: boolean): NodeDef<VoterState, Vote> {
  return {
    init(env) {
      env.setTimer("run", 10);
      return { votedFor: null, yes: 0, leader: false };
    },
    onMessage(state, from, msg, env) {
      if (msg.type === "ask") {
        if (oneVoteOnly && state.votedFor !== null && state.votedFor !== from) return;
        state.votedFor = from;
        env.send(from, { type: "yes" });
      } else if (++state.yes + 1 >= 2) {
        state.leader = true;
      }
    },
    onTimer(state, _timer, env) {
      if (state.votedFor !== null) return;
      state.votedFor = env.id;
      for (const peer of peers) if (peer !== env.id) env.send(peer, { type: "ask" });
    },
  };
}

const NODES = ["a", "b", "c"];
const oneLeader: SearchInvariant<VoterState> = {
  name: "at most one leader",
  check: ({ states }) => {
    const leaders = Object.entries(states).filter(([, state]) => state.leader);
    return leaders.length > 1 ? `${leaders.map(([id]) => id).join(" and ")} are both leaders` : undefined;
  },
};

function voters(oneVoteOnly: boolean): Record<string, NodeDef<unknown, unknown>> {
  return Object.fromEntries(NODES.map((id) => [id, voter(NODES, oneVoteOnly) as NodeDef<unknown, unknown>]));
}

describe("explore (state-space search)", () => {
  it("visits every reachable world within the depth and finds no violation in a correct protocol", () => {
    const result = explore<VoterState>({ nodes: voters(true), invariants: [oneLeader], maxDepth: 12 });
    expect(result.ok, result.summary).toBe(true);
    expect(result.stats.exhausted).toBe(true);
    expect(result.stats.states).toBeGreaterThan(50);
    expect(result.summary).toMatch(
      /worlds, \d+ steps \(\d+ ran node code\), depth \d+, \d+ ms \(every reachable world\)/,
    );
    expect(result.stats.handlerRuns, "each distinct step of a node runs its code once").toBeLessThan(
      result.stats.transitions,
    );
  });

  it("finds a shortest path to a violation in a buggy protocol", () => {
    const result = explore<VoterState>({
      name: "voters that vote twice",
      nodes: voters(false),
      invariants: [oneLeader],
      maxDepth: 12,
      describe: (_node, state) => `${state.leader ? "leader" : "follower"}, voted for ${state.votedFor}`,
    });
    expect(result.ok).toBe(false);
    expect(result.violation?.invariant).toBe("at most one leader");
    // Two timers fire, two asks and two yes arrive: six steps is the shortest way to two leaders.
    expect(result.violation?.steps).toHaveLength(6);
    expect(result.violation?.steps[0]).toMatch(/timer "run" fires/);
  });

  it("writes the violation as a trace that distlab trace renders", () => {
    const result = explore<VoterState>({ nodes: voters(false), invariants: [oneLeader], maxDepth: 8 });
    const file = join(mkdtempSync(join(tmpdir(), "distlab-search-")), "violation.jsonl");
    result.writeTrace(file);
    const trace = parseTrace(readFileSync(file, "utf8"));
    expect(trace.nodes).toEqual(["a", "b", "c"]);
    expect(renderTextTimeline(trace)).toMatch(/✗ at most one leader/);
    expect(renderHtmlTimeline(trace)).toContain("<table>");
  });

  it("starts from the states a setup chooses", () => {
    const result = explore<VoterState>({
      nodes: voters(true),
      invariants: [oneLeader],
      maxDepth: 4,
      setup: (states) => ({ b: { ...states["b"]!, leader: true }, c: { ...states["c"]!, leader: true } }),
    });
    expect(result.violation?.message).toBe("b and c are both leaders");
    expect(result.violation?.steps).toEqual([]);
  });

  it("delivers a message again only when duplicates are on", () => {
    const counter: NodeDef<{ got: number }, string> = {
      init: () => ({ got: 0 }),
      onMessage: (state) => void state.got++,
      onTimer: () => undefined,
    };
    const once: SearchInvariant<{ got: number }> = {
      name: "each message counted once",
      check: ({ states }) => (states["n"]!.got > 1 ? `n counted ${states["n"]!.got}` : undefined),
    };
    const options = {
      nodes: { n: counter as NodeDef<unknown, unknown> },
      messages: [{ from: "client", to: "n", msg: "hello" }],
      invariants: [once],
      maxDepth: 3,
    };
    expect(explore(options).ok).toBe(true);
    expect(explore({ ...options, duplicates: true }).violation?.steps).toHaveLength(2);
  });

  it("stops at its state budget and says the space was not exhausted", () => {
    const result = explore<VoterState>({ nodes: voters(true), invariants: [oneLeader], maxDepth: 12, maxStates: 20 });
    expect(result.ok).toBe(true);
    expect(result.stats).toMatchObject({ exhausted: false, stoppedBy: "states", states: 20 });
    expect(result.summary).toMatch(/stopped by its state budget/);
  });

  it("limits timer firings per node and lets a filter keep timers from firing", () => {
    const result = explore<VoterState>({
      nodes: voters(false),
      invariants: [oneLeader],
      maxDepth: 12,
      timers: { fires: (node) => node === "a" },
    });
    expect(result.ok, "with only a's timer, only a can ask for votes").toBe(true);
  });

  it("reports node code that throws with the step it threw in", () => {
    const broken: NodeDef<null, string> = {
      init(env) {
        env.setTimer("boom", 1);
        return null;
      },
      onMessage: () => undefined,
      onTimer: () => {
        throw new Error("TODO(lab06 §1): not written yet");
      },
    };
    expect(() => explore({ nodes: { n: broken as NodeDef<unknown, unknown> }, invariants: [], maxDepth: 2 })).toThrow(
      SearchError,
    );
    expect(() => explore({ nodes: { n: broken as NodeDef<unknown, unknown> }, invariants: [], maxDepth: 2 })).toThrow(
      /fire n boom: TODO\(lab06 §1\)/,
    );
  });

  it("explores remote nodes (the node host) exactly as local ones", async () => {
    const fixture = fileURLToPath(new URL("../sandbox/fixtures/", import.meta.url));
    const host = await openNodeHost({ lab: "fixture", target: fixture });
    try {
      const below: SearchInvariant<CounterState> = {
        name: "counts stay below 4",
        check: ({ states }) =>
          Object.values(states).some((state) => state.count >= 4) ? "a count reached 4" : undefined,
      };
      const run = (local: boolean) => {
        const make = (peer: string, serve: boolean) => {
          const options = { peer, serve, limit: 6, jitter: false };
          return (local ? counterNode(options) : host.node("counter.ts", "counterNode", options)) as NodeDef<
            unknown,
            unknown
          >;
        };
        return explore<CounterState>({
          nodes: { a: make("b", true), b: make("a", false) },
          invariants: [below],
          maxDepth: 10,
          timers: { maxFiringsPerNode: 1 },
        });
      };
      const local = run(true);
      const remote = run(false);
      expect(remote.ok).toBe(false);
      expect(remote.violation?.steps).toEqual(local.violation?.steps);
      expect(remote.stats.states).toBe(local.stats.states);
    } finally {
      await host.close();
    }
  });
});
