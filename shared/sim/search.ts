// Bounded breadth-first search over the state space of a few nodes, in the manner of UW's DSLabs: from
// the nodes' initial states, every order in which messages may be delivered and timers may fire (a
// message never delivered is a message lost; with `duplicates`, one may arrive again), up to a depth.
// Every reached world is checked against the invariants; breadth-first, the first violation found has a
// shortest path, which comes back as a trace that `distlab trace --html` draws.
//
// Node state must be plain data (the kit's node contract): worlds are copied, compared and hashed. Plain
// NodeDefs run in this process; remote ones (the node host) are driven through inspect() and restore().
// Two limits of remote nodes: their storage is the host's (handlers that read storage outside init()
// see one copy for all branches), and their env.random() is the host's stream.
import { performance } from "node:perf_hooks";
import { writeSearchTrace, searchTrace } from "./search-trace.ts";
import {
  describeAction,
  initialWorld,
  possibleActions,
  SearchNodes,
  takeStep,
  type Action,
  type StepOptions,
  type World,
} from "./search-world.ts";
import type { NodeDef, NodeId, TraceEvent } from "./types.ts";

/** What the invariants and filters see of a world. */
export interface SearchView<S = unknown> {
  /** Each node's state (for a remote node, as inspect() reads it). */
  states: Record<NodeId, S>;
  /** The messages in flight between the nodes. */
  inFlight: ReadonlyArray<{ from: NodeId; to: NodeId; msg: unknown }>;
  /** How many steps led here. */
  depth: number;
}

export interface SearchInvariant<S = unknown> {
  name: string;
  /** What is wrong in this world, or undefined when the invariant holds. */
  check(view: SearchView<S>): string | undefined;
}

export interface SearchOptions<S = unknown> {
  /** Names the search in its trace. */
  name?: string;
  nodes: Record<NodeId, NodeDef<unknown, unknown>>;
  /** Messages in flight before the first step (a client's requests, for example). */
  messages?: Array<{ from: NodeId; to: NodeId; msg: unknown }>;
  /**
   * Starts the search from a chosen situation: receives the states init() gave (copies) and returns the
   * states to start from (a node left out keeps its own). Timers armed by init() stay pending.
   */
  setup?: (states: Record<NodeId, S>) => Record<NodeId, S>;
  invariants: SearchInvariant<S>[];
  /** No world more than this many steps from the start is explored. */
  maxDepth: number;
  /** Stop after this many distinct worlds (default 100,000). */
  maxStates?: number;
  /** Stop after this much wall time, in ms (default 60,000). */
  maxMs?: number;
  /** A delivered message stays in flight and may be delivered again. Default false. */
  duplicates?: boolean;
  /** Which timers may fire (default: all), and at most how many times in all per node (default 2). */
  timers?: { fires?: (node: NodeId, name: string) => boolean; maxFiringsPerNode?: number };
  /** Which messages may be delivered (default: all); the others stay in flight forever, as if lost. */
  deliver?: (message: { from: NodeId; to: NodeId; msg: unknown }) => boolean;
  /** Worlds for which this holds are checked but not explored further. */
  prune?: (view: SearchView<S>) => boolean;
  /** Describes a node's state in one line; the trace of a violation notes each change. */
  describe?: (node: NodeId, state: S) => string;
  /** Seeds env.random() of the nodes (default 1). */
  seed?: number;
}

export interface SearchStats {
  /** Distinct worlds reached (the initial one included). */
  states: number;
  /** Steps taken, including those that led to a world already seen. */
  transitions: number;
  /** Times node code ran: a step whose node part and action were seen before reuses that outcome. */
  handlerRuns: number;
  /** The deepest level reached. */
  depth: number;
  elapsedMs: number;
  /** Every world within maxDepth was explored: nothing was left out for lack of budget. */
  exhausted: boolean;
  /** Why the search stopped early, if it did. */
  stoppedBy?: "states" | "time";
}

export interface SearchViolation {
  invariant: string;
  message: string;
  /** The steps from the initial world to the violation, one line each. */
  steps: string[];
  /** The same path as trace events (header first when written). */
  trace: TraceEvent[];
}

export interface SearchResult {
  ok: boolean;
  violation?: SearchViolation;
  stats: SearchStats;
  /** One line: what was explored, how deep, how long, and whether the budget ran out. */
  summary: string;
  /** Writes the violation's trace as JSON lines (for `distlab trace`). */
  writeTrace(file: string): void;
}

export class SearchError extends Error {
  override name = "SearchError";
}

interface Visit {
  parent: string | null;
  action: Action | null;
}

/** Explores breadth-first; returns at the first violation (a shortest path to it) or when done. */
export function explore<S = unknown>(options: SearchOptions<S>): SearchResult {
  const started = performance.now();
  const step: StepOptions = { duplicates: options.duplicates ?? false, seed: options.seed ?? 1 };
  const maxStates = options.maxStates ?? 100_000;
  const maxMs = options.maxMs ?? 60_000;
  const maxFirings = options.timers?.maxFiringsPerNode ?? 2;
  if (!(options.maxDepth >= 0)) throw new RangeError(`maxDepth must be ≥ 0, got ${options.maxDepth}`);
  const nodes = new SearchNodes(options.nodes);
  const setup = options.setup as ((states: Record<NodeId, unknown>) => Record<NodeId, unknown>) | undefined;
  const initial = guarded("init", () => initialWorld(nodes, options.messages ?? [], step, setup));
  const visits = new Map<string, Visit>([[initial.hash, { parent: null, action: null }]]);
  const stats: SearchStats = { states: 1, transitions: 0, handlerRuns: 0, depth: 0, elapsedMs: 0, exhausted: false };
  const finish = (violation?: { invariant: string; message: string; world: World }): SearchResult => {
    stats.elapsedMs = Math.round(performance.now() - started);
    stats.handlerRuns = nodes.memo.size;
    const found = violation && buildViolation(options, nodes, initial, visits, violation, step);
    return result(stats, found, options.name ?? "search");
  };
  const first = violated(options, initial);
  if (first) return finish({ ...first, world: initial });
  let frontier: World[] = [initial];
  while (frontier.length > 0 && frontier[0]!.depth < options.maxDepth) {
    const next: World[] = [];
    for (const world of frontier) {
      for (const action of allowedActions(world, options, maxFirings)) {
        if (visits.size >= maxStates) stats.stoppedBy = "states";
        else if ((stats.transitions & 255) === 0 && performance.now() - started > maxMs) stats.stoppedBy = "time";
        if (stats.stoppedBy) return finish();
        const child = guarded(describeAction(action), () => takeStep(nodes, world, action, step));
        stats.transitions++;
        if (visits.has(child.hash)) continue;
        visits.set(child.hash, { parent: world.hash, action });
        stats.states++;
        stats.depth = Math.max(stats.depth, child.depth);
        const broken = violated(options, child);
        if (broken) return finish({ ...broken, world: child });
        if (!options.prune?.(view<S>(child))) next.push(child);
      }
    }
    frontier = next;
  }
  stats.exhausted = true;
  return finish();
}

function allowedActions<S>(world: World, options: SearchOptions<S>, maxFirings: number): Action[] {
  return possibleActions(world).filter((action) => {
    if (action.kind === "fire")
      return (
        (world.firings[action.node] ?? 0) < maxFirings && (options.timers?.fires?.(action.node, action.name) ?? true)
      );
    if (options.deliver === undefined) return true;
    const message = world.network.find((candidate) => candidate.hash === action.hash)!;
    return options.deliver(message);
  });
}

function view<S>(world: World): SearchView<S> {
  return {
    states: world.states as Record<NodeId, S>,
    inFlight: world.network.map(({ from, to, msg }) => ({ from, to, msg })),
    depth: world.depth,
  };
}

function violated<S>(options: SearchOptions<S>, world: World): { invariant: string; message: string } | undefined {
  const seen = view<S>(world);
  for (const invariant of options.invariants) {
    const message = invariant.check(seen);
    if (message !== undefined) return { invariant: invariant.name, message };
  }
  return undefined;
}

/** Runs a step of node code; an exception becomes a SearchError saying which step threw. */
function guarded<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new SearchError(`node code threw during ${what}: ${(error as Error).message}`, { cause: error });
  }
}

function buildViolation<S>(
  options: SearchOptions<S>,
  nodes: SearchNodes,
  initial: World,
  visits: Map<string, Visit>,
  found: { invariant: string; message: string; world: World },
  step: StepOptions,
): SearchViolation {
  const path: Action[] = [];
  for (let hash: string | null = found.world.hash; hash !== null;) {
    const visit = visits.get(hash) as Visit;
    if (visit.action) path.unshift(visit.action);
    hash = visit.parent;
  }
  const { trace, steps } = searchTrace(nodes, initial, path, step, {
    describe: options.describe as ((node: NodeId, state: unknown) => string) | undefined,
    verdict: `${found.invariant}: ${found.message}`,
  });
  return { invariant: found.invariant, message: found.message, steps, trace };
}

function result(stats: SearchStats, violation: SearchViolation | undefined, name: string): SearchResult {
  const reach = stats.exhausted
    ? "every reachable world"
    : stats.stoppedBy
      ? `stopped by its ${stats.stoppedBy === "states" ? "state" : "time"} budget`
      : "stopped at the violation";
  const summary =
    `${name}: ${stats.states} worlds, ${stats.transitions} steps (${stats.handlerRuns} ran node code), depth ${stats.depth}, ` +
    `${stats.elapsedMs} ms (${reach})` +
    (violation ? `; violated ${violation.invariant} after ${violation.steps.length} steps` : "");
  return {
    ok: violation === undefined,
    ...(violation === undefined ? {} : { violation }),
    stats,
    summary,
    writeTrace(file: string) {
      if (violation === undefined) throw new Error("the search found no violation: there is no trace to write");
      writeSearchTrace(file, name, violation.trace);
    },
  };
}
