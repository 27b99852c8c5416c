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
