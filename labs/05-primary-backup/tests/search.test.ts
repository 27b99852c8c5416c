// State-space search (as in UW DSLabs): small configurations explored breadth-first, every order in which
// messages may be delivered (and, where said, delivered again) and timers may fire, up to a depth. An
// invariant is checked in every world; the first violation comes with a shortest path and its trace.
// The nodes run in the node host; the driver that invokes operations and records answers is the test's.
import { nodeHost, type NodeHost } from "@distlab/kit/sandbox";
import { explore, type NodeDef, type SearchInvariant, type SearchOptions, type SearchResult } from "@distlab/kit/sim";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CacheState } from "../src/cache.ts";
import type { ClientState } from "../src/client.ts";
import type { Message, Operation, Result, View } from "../src/messages.ts";
import type { ReplicaState } from "../src/replica.ts";
import type { ViewServiceState } from "../src/viewservice.ts";
import { CACHE, DRIVER, VS } from "./system.ts";

interface Answer {
  client: string;
  op: Operation;
  result: Result;
}

interface DriverState {
  /** The next operation of each client's script. */
  next: Record<string, number>;
  answers: Answer[];
}

/** The test's driver as a node: each client runs its script in order; every answer is recorded. */
function driver(script: Record<string, Operation[]>): NodeDef<DriverState, Message> {
  const invoke = (state: DriverState, client: string, env: Parameters<NodeDef<DriverState, Message>["init"]>[0]) => {
    const index = state.next[client]!;
    const op = script[client]![index];
    if (op !== undefined) env.send(client, { type: "invoke", id: index, op });
  };
  return {
    init(env) {
      const state: DriverState = { next: Object.fromEntries(Object.keys(script).map((c) => [c, 0])), answers: [] };
      for (const client of Object.keys(script)) invoke(state, client, env);
      return state;
    },
    onMessage(state, from, msg, env) {
      if (msg.type !== "done" || msg.id !== state.next[from]) return;
      state.answers.push({ client: from, op: script[from]![msg.id]!, result: msg.result });
      state.next[from]!++;
      invoke(state, from, env);
    },
    onTimer() {},
  };
}

type State = ViewServiceState | ReplicaState | ClientState | CacheState | DriverState;

const V2: View = { num: 2, primary: "s1", backup: "s2" };

interface Config {
  servers: string[];
  clients: string[];
  cache?: boolean;
  script: Record<string, Operation[]>;
}

function nodes(host: NodeHost, config: Config): SearchOptions["nodes"] {
  const remote = (module: string, factory: string, ...args: unknown[]) =>
    host.node(module, factory, ...args) as NodeDef<unknown, unknown>;
  const cache = config.cache ? CACHE : null;
  return {
    [VS]: remote("viewservice.ts", "viewServiceNode"),
    ...Object.fromEntries(
      config.servers.map((s) => [s, remote("replica.ts", "replicaNode", { viewService: VS, mode: "sync" })]),
    ),
    ...Object.fromEntries(
      config.clients.map((c) => [c, remote("client.ts", "clientNode", { viewService: VS, cache })]),
    ),
    ...(config.cache ? { [CACHE]: remote("cache.ts", "cacheNode") } : {}),
    [DRIVER]: driver(config.script) as NodeDef<unknown, unknown>,
  };
}

/** A keyspace holding `k` with `value` at version 1. */
const holding = (value: string) => ({ revision: 1, entries: { k: { value, version: 1 } } });

/** Everyone in view 2, acknowledged: s1 primary, s2 backup with the state; `k` = `value` if given. */
function stableView(config: Config, value?: string) {
  return (states: Record<string, State>): Record<string, State> => {
    const vs = states[VS] as ViewServiceState;
    const keyspace = value === undefined ? undefined : holding(value);
    const replica = (id: string, extra: Partial<ReplicaState>) => ({
      ...(states[id] as ReplicaState),
      view: V2,
      ackedView: 2,
      ...(keyspace ? { keyspace } : {}),
      ...extra,
    });
    return {
      [VS]: { ...vs, view: V2, primaryAcked: true, alive: ["s1", "s2"], lastPing: { s1: 2, s2: 2 } },
      s1: replica("s1", {}),
      s2: replica("s2", { syncedFor: 2 }),
      ...Object.fromEntries(config.clients.map((c) => [c, { ...(states[c] as ClientState), view: V2 }])),
    };
  };
}

const answers = (states: Record<string, unknown>) => (states[DRIVER] as DriverState).answers;
const replica = (states: Record<string, unknown>, id: string) => states[id] as ReplicaState;
const valueOf = (state: ReplicaState) =>
  Object.hasOwn(state.keyspace.entries, "k") ? state.keyspace.entries["k"]!.value : null;

/** Runs the search; on a violation, fails with the path and where its trace was written. */
function expectNoViolation(result: SearchResult, name: string): void {
  if (result.ok) {
    console.log(result.summary);
    expect(result.stats.states, `${result.summary}: the search explored too little to mean anything`).toBeGreaterThan(
      50,
    );
    return;
  }
  const file = join(process.env["DISTLAB_TRACE_DIR"] ?? join(tmpdir(), "distlab-traces"), `search-${name}.jsonl`);
  result.writeTrace(file);
  const { invariant, message, steps } = result.violation!;
  throw new Error(
    `${invariant}: ${message}\n${result.summary}\nshortest path (${steps.length} steps):\n  ${steps.join("\n  ")}\n` +
      `trace: ${file} (timeline: npx distlab trace ${file} --html out.html)`,
  );
}

describe("state-space search: every interleaving of a small system", () => {
  it("applies an append once in every order of deliveries, duplicates and retries [R05.5.1, R05.3.5]", async () => {
    const config: Config = {
      servers: ["s1", "s2"],
      clients: ["c1"],
      script: { c1: [{ op: "append", key: "k", value: "x" }] },
    };
    const once: SearchInvariant<State> = {
      name: "the append is applied at most once",
      check: ({ states }) => {
        for (const id of config.servers)
          if (!["x", null].includes(valueOf(replica(states, id))))
            return `${id} holds k = ${JSON.stringify(valueOf(replica(states, id)))}`;
        const wrong = answers(states).find((answer) => (answer.result as { version: number }).version !== 1);
        return wrong ? `c1 was answered ${JSON.stringify(wrong.result)}` : undefined;
      },
    };
    const result = explore<State>({
      name: "append once",
      nodes: nodes(await nodeHost(), config),
      setup: stableView(config),
      invariants: [once],
      duplicates: true,
      maxDepth: 9,
      timers: { fires: (_node, name) => name === "retry" || name === "forward", maxFiringsPerNode: 1 },
    });
    expectNoViolation(result, "append-once");
  });

  it("never answers a write the backup does not hold, whatever the order [R05.3.2]", async () => {
    const config: Config = {
      servers: ["s1", "s2"],
      clients: ["c1"],
      script: {
        c1: [
          { op: "put", key: "k", value: "1" },
          { op: "append", key: "k", value: "2" },
        ],
      },
    };
    const onBackup: SearchInvariant<State> = {
      name: "every answered write is on the backup",
      check: ({ states }) => {
        const backup = replica(states, "s2");
        const missing = answers(states).find(
          (answer) => (answer.result as { version: number }).version > backup.keyspace.revision,
        );
        return missing
          ? `c1 was answered ${JSON.stringify(missing.result)} but s2 is at revision ${backup.keyspace.revision}`
          : undefined;
      },
    };
    const result = explore<State>({
      name: "answered writes on the backup",
      nodes: nodes(await nodeHost(), config),
      setup: stableView(config),
      invariants: [onBackup],
      maxDepth: 16,
      timers: { fires: (_node, name) => name === "forward", maxFiringsPerNode: 1 },
    });
    expectNoViolation(result, "answered-writes-on-backup");
  });

  it("never lets a replaced primary answer a read, in any order [R05.3.4]", async () => {
    const config: Config = { servers: ["s1", "s2", "s3"], clients: ["c1"], script: { c1: [{ op: "get", key: "k" }] } };
    const V3: View = { num: 3, primary: "s2", backup: "s3" };
    const setup = (states: Record<string, State>): Record<string, State> => {
      const at = (id: string, extra: Partial<ReplicaState>) => ({ ...(states[id] as ReplicaState), ...extra });
      const fresh = { revision: 2, entries: { k: { value: "new", version: 2 } } };
      return {
        [VS]: {
          ...(states[VS] as ViewServiceState),
          view: V3,
          primaryAcked: true,
          alive: ["s2", "s3"],
          lastPing: { s2: 3, s3: 3 },
        },
        s1: at("s1", { view: V2, ackedView: 2, keyspace: holding("old") }),
        s2: at("s2", { view: V3, ackedView: 3, syncedFor: 2, keyspace: fresh }),
        s3: at("s3", { view: V3, ackedView: 3, syncedFor: 3, keyspace: fresh }),
        c1: { ...(states["c1"] as ClientState), view: V2 },
      };
    };
    const noStaleRead: SearchInvariant<State> = {
      name: "no read answered by the replaced primary",
      check: ({ states }) => {
        const stale = answers(states).find((answer) => (answer.result as { value: string | null }).value === "old");
        return stale ? `c1 read k = "old", which view 3 had overwritten` : undefined;
      },
    };
    const result = explore<State>({
      name: "replaced primary",
      nodes: nodes(await nodeHost(), config),
      setup,
      invariants: [noStaleRead],
      maxDepth: 14,
      timers: {
        fires: (node, name) => (node === "c1" && name === "retry") || name === "forward",
        maxFiringsPerNode: 2,
      },
    });
    expectNoViolation(result, "replaced-primary");
  });

  it("never promotes a backup that has not received the state, however pings and checks interleave [R05.4.2, R05.1.4]", async () => {
    const config: Config = { servers: ["s1", "s2"], clients: [], script: {} };
    const setup = (states: Record<string, State>): Record<string, State> => ({
      [VS]: {
        ...(states[VS] as ViewServiceState),
        view: V2,
        primaryAcked: false,
        alive: ["s1", "s2"],
        lastPing: { s1: 1, s2: 1 },
      },
      s1: {
        ...(states["s1"] as ReplicaState),
        view: { num: 1, primary: "s1", backup: null },
        ackedView: 1,
        keyspace: holding("v"),
      },
      s2: { ...(states["s2"] as ReplicaState), view: { num: 1, primary: "s1", backup: null }, ackedView: 1 },
    });
    const noEmptyPrimary: SearchInvariant<State> = {
      name: "a new primary holds the data",
      check: ({ states }) => {
        const view = (states[VS] as ViewServiceState).view;
        return view.primary === "s2" && valueOf(replica(states, "s2")) !== "v"
          ? `view ${view.num} makes s2 primary, but s2 never received the state`
          : undefined;
      },
    };
    const result = explore<State>({
      name: "empty backup promoted",
      nodes: nodes(await nodeHost(), config),
      setup,
      invariants: [noEmptyPrimary],
      maxDepth: 12,
      timers: { fires: (_node, name) => name === "ping" || name === "pingCheck", maxFiringsPerNode: 2 },
    });
    expectNoViolation(result, "empty-backup-promoted");
  });

  it("never keeps a value in the cache older than a write that completed, in any order [R05.8.3, R05.8.2]", async () => {
    const config: Config = {
      servers: ["s1", "s2"],
      clients: ["c1", "c2"],
      cache: true,
      script: { c1: [{ op: "get", key: "k" }], c2: [{ op: "put", key: "k", value: "new" }] },
    };
    const fresh: SearchInvariant<State> = {
      name: "no stale value cached after a completed write",
      check: ({ states }) => {
        const written = answers(states).some((answer) => answer.client === "c2");
        const cached = (states[CACHE] as CacheState).entries["k"];
        return written && cached?.value === "old" ? `c2's write completed, yet the cache holds k = "old"` : undefined;
      },
    };
    const result = explore<State>({
      name: "stale fill",
      nodes: nodes(await nodeHost(), config),
      setup: stableView(config, "old"),
      invariants: [fresh],
      maxDepth: 22,
      timers: { fires: () => false },
    });
    expectNoViolation(result, "stale-fill");
  });
});
