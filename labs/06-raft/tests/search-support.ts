// State-space search over small Raft clusters (UW DSLabs' search tests, which MIT's and Maelstrom's
// testers do not have): the servers run in the node host, the kit's explore() tries every order of
// deliveries and timer firings within a bound, and these invariants are checked in every world reached.
import { nodeHost } from "@distlab/kit/sandbox";
import {
  explore,
  type NodeDef,
  type NodeId,
  type SearchInvariant,
  type SearchOptions,
  type SearchResult,
} from "@distlab/kit/sim";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LogEntry } from "../src/messages.ts";
import type { RaftState } from "../src/raft.ts";
import type { RaftNodeState } from "../src/node.ts";
import { describeCommand, sameCommand } from "./invariants.ts";

type Invariant = SearchInvariant<RaftNodeState>;

export function serverIds(count: number): NodeId[] {
  return Array.from({ length: count }, (_, i) => `s${i + 1}`);
}

/** Raft servers in the node host, with no tester: a search looks at their states directly. */
export async function searchServers(servers: NodeId[]): Promise<Record<NodeId, NodeDef<unknown, unknown>>> {
  const host = await nodeHost();
  return Object.fromEntries(
    servers.map((id) => [id, host.node("node.ts", "raftNode", { servers }) as NodeDef<unknown, unknown>]),
  );
}

function entryAt(state: RaftNodeState, index: number): LogEntry | undefined {
  return state.raft.log[index - state.raft.snapshotIndex - 1];
}

export const electionSafety: Invariant = {
  name: "election safety",
  check: ({ states }) => {
    const leaders = new Map<number, NodeId>();
    for (const [id, state] of Object.entries(states)) {
      if (state.raft.role !== "leader") continue;
      const other = leaders.get(state.raft.currentTerm);
      if (other !== undefined) return `${other} and ${id} are both leaders of term ${state.raft.currentTerm}`;
      leaders.set(state.raft.currentTerm, id);
    }
    return undefined;
  },
};

export const logMatching: Invariant = {
  name: "log matching",
  check: ({ states }) => {
    const all = Object.entries(states);
    for (const [a, x] of all)
      for (const [b, y] of all) {
        if (a >= b) continue;
        const last = Math.min(x.raft.snapshotIndex + x.raft.log.length, y.raft.snapshotIndex + y.raft.log.length);
        let top = last;
        while (top > 0 && entryAt(x, top)?.term !== entryAt(y, top)?.term) top--;
        for (let index = top; index > Math.max(x.raft.snapshotIndex, y.raft.snapshotIndex); index--) {
          const [e, f] = [entryAt(x, index)!, entryAt(y, index)!];
          if (e.term !== f.term || !sameCommand(e.command, f.command))
            return `${a} and ${b} share entry ${top} but differ at ${index}: ${describeCommand(e.command)} (term ${e.term}) vs ${describeCommand(f.command)} (term ${f.term})`;
        }
      }
    return undefined;
  },
};

/**
 * Leader completeness as the worlds show it: what a server has committed is in the log of every leader
 * of its term or a later one (a leader of an earlier term may lag: it lost its office without knowing).
 */
export const leaderCompleteness: Invariant = {
  name: "leader completeness",
  check: ({ states }) => {
    for (const [leader, l] of Object.entries(states)) {
      if (l.raft.role !== "leader") continue;
      for (const [server, s] of Object.entries(states)) {
        if (s.raft.currentTerm > l.raft.currentTerm) continue;
        for (
          let index = Math.max(s.raft.snapshotIndex, l.raft.snapshotIndex) + 1;
          index <= s.raft.commitIndex;
          index++
        ) {
          const committed = entryAt(s, index)!;
          const mine = entryAt(l, index);
          if (mine?.term !== committed.term || !sameCommand(mine.command, committed.command))
            return `${server} committed ${describeCommand(committed.command)} (term ${committed.term}) at ${index}, but ${leader}, leader of term ${l.raft.currentTerm}, has ${mine === undefined ? "nothing" : `term ${mine.term}`} there`;
        }
      }
    }
    return undefined;
  },
};

/** Committed entries agree: where two servers have both committed an index, they hold the same entry there. */
export const committedAgree: Invariant = {
  name: "committed entries agree",
  check: ({ states }) => {
    const all = Object.entries(states);
    for (const [a, x] of all)
      for (const [b, y] of all) {
        if (a >= b) continue;
        const low = Math.max(x.raft.snapshotIndex, y.raft.snapshotIndex) + 1;
        for (let index = low; index <= Math.min(x.raft.commitIndex, y.raft.commitIndex); index++) {
          const [e, f] = [entryAt(x, index)!, entryAt(y, index)!];
          if (e.term !== f.term || !sameCommand(e.command, f.command))
            return `${a} and ${b} both committed index ${index}, with term ${e.term} and term ${f.term}`;
        }
      }
    return undefined;
  },
};

export function describeServer(_id: NodeId, state: RaftNodeState): string {
  const log = state.raft.log.map((entry) => `${entry.index}:t${entry.term}`).join(" ");
  return `term ${state.raft.currentTerm} ${state.raft.role}${state.raft.votedFor ? ` (voted ${state.raft.votedFor})` : ""}, log [${log}], commit ${state.raft.commitIndex}`;
}

/** Runs a search; prints its stats; on a violation, writes the trace and throws with the path to it. */
export function searchOrFail(options: SearchOptions<RaftNodeState> & { name: string }): SearchResult {
  const result = explore<RaftNodeState>({ describe: describeServer, ...options });
  console.log(result.summary);
  if (result.violation !== undefined) {
    const dir = process.env["DISTLAB_TRACE_DIR"] ?? join(tmpdir(), "distlab-traces");
    const file = join(dir, `search-${options.name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}.jsonl`);
    result.writeTrace(file);
    throw new Error(
      `${result.violation.invariant} violated after ${result.violation.steps.length} steps: ${result.violation.message}\n` +
        `  ${result.violation.steps.join("\n  ")}\n` +
        `  trace: ${file}\n          (timeline: npx distlab trace ${file} --html timeline.html)`,
    );
  }
  return result;
}

/** The state init() gave, with some of its Raft fields replaced (other fields keep their initial values). */
function withRaft(state: RaftNodeState, raft: Partial<RaftState>): RaftNodeState {
  return { ...state, raft: { ...state.raft, ...raft } };
}

function log(...terms: number[]): LogEntry[] {
  return terms.map((term, i) => ({ index: i + 1, term, command: `x${i + 1}t${term}` }));
}

type NamedSearch = SearchOptions<RaftNodeState> & { name: string };

/** Three servers from the start, every order of an election's messages and timeouts (two per server). */
export async function electionSearch(): Promise<NamedSearch> {
  const servers = serverIds(3);
  return {
    name: "election safety",
    nodes: await searchServers(servers),
    invariants: [electionSafety],
    maxDepth: 9,
    maxStates: 60_000,
    timers: { fires: (_node, name) => name === "election", maxFiringsPerNode: 2 },
  };
}

/** s1 led term 1 with an uncommitted entry 2; s2 led term 2 with another entry 2; s3 has entry 1 only. */
export async function logMatchingSearch(): Promise<NamedSearch> {
  const servers = serverIds(3);
  return {
    name: "log matching after a leader change",
    nodes: await searchServers(servers),
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
  };
}

/** Figure 8 (c): s1, leader of term 4, is replicating entry 2 of term 2 to s3; s5 holds entry 2 of term 3. */
export async function figure8Search(): Promise<NamedSearch> {
  const servers = serverIds(5);
  const entry2 = log(1, 2)[1]!;
  return {
    name: "commit rule (Figure 8)",
    nodes: await searchServers(servers),
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
    messages: [appendToS3(entry2, 1)],
    invariants: [leaderCompleteness, electionSafety, logMatching],
    maxDepth: 8,
    maxStates: 60_000,
    timers: { fires: (node, name) => node === "s5" && name === "election", maxFiringsPerNode: 1 },
  };
}

/** s1 as the leader of term 4 with `entries`, having committed all of them, with these replication indexes. */
function leaderS1(
  state: RaftNodeState,
  entries: LogEntry[],
  nextIndex: Record<NodeId, number>,
  matchIndex: Record<NodeId, number>,
): RaftNodeState {
  const last = entries.length;
  return withRaft(state, {
    currentTerm: 4,
    votedFor: "s1",
    role: "leader",
    leaderId: "s1",
    log: entries,
    commitIndex: last,
    lastApplied: last,
    nextIndex,
    matchIndex,
  });
}

/** An AppendEntries of s1 (term 4) to s3 in flight, carrying `entry` after index 1 of term 1. */
function appendToS3(entry: LogEntry, leaderCommit: number) {
  return {
    from: "s1",
    to: "s3",
    msg: {
      type: "AppendEntries",
      term: 4,
      leaderId: "s1",
      prevLogIndex: 1,
      prevLogTerm: 1,
      entries: [entry],
      leaderCommit,
    },
  };
}

/**
 * A follower holds entry 2 of the leader's log and, after it, a stale entry 3 of term 3; the leader (term 4,
 * commit index 3) sends it entry 2 only, as a leader that sends one entry per AppendEntries does.
 */
export async function followerCommitSearch(): Promise<NamedSearch> {
  const servers = serverIds(3);
  const leaderLog = [...log(1, 2), { index: 3, term: 4, command: "x3t4" }];
  return {
    name: "follower commit",
    nodes: await searchServers(servers),
    setup: (states) => ({
      s1: leaderS1(states["s1"]!, leaderLog, { s2: 4, s3: 2 }, { s2: 3, s3: 1 }),
      s2: withRaft(states["s2"]!, { currentTerm: 4, votedFor: "s1", log: leaderLog, commitIndex: 3, lastApplied: 3 }),
      s3: withRaft(states["s3"]!, {
        currentTerm: 3,
        votedFor: null,
        log: log(1, 2, 3),
        commitIndex: 1,
        lastApplied: 1,
      }),
    }),
    messages: [appendToS3(log(1, 2)[1]!, 3)],
    invariants: [committedAgree, leaderCompleteness, logMatching],
    maxDepth: 4,
    maxStates: 10_000,
    timers: { fires: () => false },
  };
}

/**
 * s1 (leader of term 4) committed entry 3 on s3's acknowledgement; an AppendEntries it sent earlier, with
 * entry 2 only, reaches s3 late. s3 must keep entry 3 (nothing conflicts), so that whoever leads next has it.
 * Two firings per follower: the first after hearing from the leader only clears its note that it did.
 */
export async function lateAppendSearch(): Promise<NamedSearch> {
  const servers = serverIds(3);
  const leaderLog = [...log(1), { index: 2, term: 4, command: "x2t4" }, { index: 3, term: 4, command: "x3t4" }];
  return {
    name: "late AppendEntries",
    nodes: await searchServers(servers),
    setup: (states) => ({
      s1: leaderS1(states["s1"]!, leaderLog, { s2: 2, s3: 4 }, { s2: 1, s3: 3 }),
      s2: withRaft(states["s2"]!, { currentTerm: 4, votedFor: "s1", log: log(1), commitIndex: 1, lastApplied: 1 }),
      s3: withRaft(states["s3"]!, { currentTerm: 4, votedFor: "s1", log: leaderLog, commitIndex: 1, lastApplied: 1 }),
    }),
    messages: [appendToS3(leaderLog[1]!, 1)],
    invariants: [leaderCompleteness, electionSafety, logMatching],
    maxDepth: 8,
    maxStates: 60_000,
    timers: { fires: (node, name) => node !== "s1" && name === "election", maxFiringsPerNode: 2 },
  };
}
