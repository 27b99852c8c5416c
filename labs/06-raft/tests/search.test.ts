// State-space search (as UW DSLabs' tests do): every order of deliveries and timer firings within a
// bound, from the start of a cluster or from a chosen situation, with Raft's invariants checked in every
// world reached. A violation comes back as the shortest path to it, with a trace for the timeline.
import { describe, expect, it } from "vitest";
import { LONG_TEST_MS } from "./cluster.ts";
import type { LogEntry } from "../src/messages.ts";
import type { RaftNodeState } from "../src/node.ts";
import type { RaftState } from "../src/raft.ts";
import {
  electionSafety,
  leaderCompleteness,
  logMatching,
  searchOrFail,
  searchServers,
  serverIds,
} from "./search-support.ts";

/** The state init() gave, with some of its Raft fields replaced (other fields keep their initial values). */
function withRaft(state: RaftNodeState, raft: Partial<RaftState>): RaftNodeState {
  return { ...state, raft: { ...state.raft, ...raft } };
}

function log(...terms: number[]): LogEntry[] {
  return terms.map((term, i) => ({ index: i + 1, term, command: `x${i + 1}t${term}` }));
}

describe("state-space search", { timeout: LONG_TEST_MS }, () => {
  it("finds no two leaders in a term in any order of an election's messages and timeouts [R06.1.2, R06.0.2, R06.P.1, R06.P.2]", async () => {
    const servers = serverIds(3);
    const result = searchOrFail({
      name: "election safety",
      nodes: await searchServers(servers),
      invariants: [electionSafety],
      maxDepth: 9,
      maxStates: 60_000,
      timers: { fires: (_node, name) => name === "election", maxFiringsPerNode: 2 },
    });
    expect(result.stats.states, result.summary).toBeGreaterThan(1_000);
  });

  it("keeps logs matching when a new leader meets a follower with a conflicting entry [R06.2.2, R06.P.11]", async () => {
    const servers = serverIds(3);
    const result = searchOrFail({
      name: "log matching after a leader change",
      nodes: await searchServers(servers),
      // s1 led term 1 and kept an uncommitted entry 2; s2 led term 2 with another entry 2; s3 has entry 1 only.
      setup: (states) => ({
        s1: withRaft(states["s1"]!, { currentTerm: 1, votedFor: "s1", log: log(1, 1), commitIndex: 1, lastApplied: 1 }),
        s2: withRaft(states["s2"]!, { currentTerm: 2, votedFor: "s2", log: log(1, 2), commitIndex: 1, lastApplied: 1 }),
        s3: withRaft(states["s3"]!, { currentTerm: 2, votedFor: "s2", log: log(1), commitIndex: 1, lastApplied: 1 }),
      }),
      messages: servers.map((to) => ({ from: "client", to, msg: { type: "start", ref: 1, command: `y-${to}` } })),
      invariants: [logMatching, electionSafety],
      maxDepth: 8,
      maxStates: 60_000,
      timers: { fires: (node, name) => name === "election" && node !== "s1", maxFiringsPerNode: 1 },
    });
    expect(result.stats.states, result.summary).toBeGreaterThan(100);
  });

  it("commits an entry of an earlier term only through one of the current term (Figure 8) [R06.3.1, R06.P.3]", async () => {
    const servers = serverIds(5);
    const entry2 = log(1, 2)[1]!;
    const result = searchOrFail({
      name: "commit rule (Figure 8)",
      nodes: await searchServers(servers),
      // Figure 8 (c): s1, leader of term 4, is replicating entry 2 of term 2 to s3; s5 holds entry 2 of term 3.
      setup: (states) => {
        const follower = (id: string, entries: LogEntry[], votedFor: string | null) =>
          withRaft(states[id]!, { currentTerm: 4, votedFor, log: entries, commitIndex: 1, lastApplied: 1 });
        return {
          s1: withRaft(follower("s1", log(1, 2), "s1"), {
            role: "leader",
            leaderId: "s1",
            nextIndex: { s2: 3, s3: 2, s4: 2, s5: 2 },
            matchIndex: { s2: 2, s3: 1, s4: 1, s5: 1 },
          }),
          s2: follower("s2", log(1, 2), "s1"),
          s3: follower("s3", log(1), "s1"),
          s4: follower("s4", log(1), null),
          s5: follower("s5", log(1, 3), null),
        };
      },
      messages: [
        {
          from: "s1",
          to: "s3",
          msg: {
            type: "AppendEntries",
            term: 4,
            leaderId: "s1",
            prevLogIndex: 1,
            prevLogTerm: 1,
            entries: [entry2],
            leaderCommit: 1,
          },
        },
      ],
      invariants: [leaderCompleteness, electionSafety, logMatching],
      maxDepth: 8,
      maxStates: 60_000,
      timers: { fires: (node, name) => node === "s5" && name === "election", maxFiringsPerNode: 1 },
    });
    expect(result.stats.states, result.summary).toBeGreaterThan(100);
  });
});
