// One state of a state-space search and the steps out of it. A world is everything that decides what can
// happen next: each node's state and storage, the messages in flight, the timers pending and how many
// times each node's timers fired. A step delivers one message or fires one timer by running the node's
// handler against an env that records what it does, on a copy: the world it came from stays as it was.
import { createHash } from "node:crypto";
import { Prng } from "./prng.ts";
import { MemoryStorage } from "./storage.ts";
import { canonicalJson } from "./trace.ts";
import type { Env, NodeDef, NodeId, Timer, TimerId } from "./types.ts";

/** A NodeDef whose state lives elsewhere (the node host): the search reads and replaces it through these. */
export interface RestorableNode {
  remote: true;
  inspect(handle: unknown): unknown;
  restore(handle: unknown, state: unknown): void;
}

export interface InFlight {
  from: NodeId;
  to: NodeId;
  msg: unknown;
  /** Canonical JSON of from, to and msg: equal keys are the same message. */
  key: string;
  /** A hash of the key. */
  hash: string;
}

export interface PendingTimer {
  id: TimerId;
  name: string;
  delay: number;
  payload: unknown;
}

export interface World {
  states: Record<NodeId, unknown>;
  storage: Record<NodeId, Record<string, unknown>>;
  timers: Record<NodeId, PendingTimer[]>;
  firings: Record<NodeId, number>;
  /** Sorted by key, so that the same messages in any order make the same world. */
  network: InFlight[];
  depth: number;
  /** A hash of each node's part of the world (state, storage, timers, firings), cached. */
  nodeKeys: Record<NodeId, string>;
  hash: string;
}

/**
 * One thing that can happen in a world: deliver the message with this key, or fire the node's oldest
 * pending timer of this name. Plain data, so that a path of actions replays on a fresh copy of the world.
 */
export type Action =
  | { kind: "deliver"; key: string; hash: string; from: NodeId; to: NodeId }
  | { kind: "fire"; node: NodeId; name: string };

/** What a handler did during one step, in order (what the trace of a replay shows). */
export type Effect =
  | { kind: "send"; from: NodeId; to: NodeId; msg: unknown }
  | { kind: "timer-set"; node: NodeId; timer: TimerId; name: string; delay: number }
  | { kind: "timer-cancel"; node: NodeId; timer: TimerId; name: string }
  | { kind: "log"; node: NodeId; text: string };

export interface StepOptions {
  /** Leave a delivered message in flight, so it can be delivered again (duplication). */
  duplicates: boolean;
  seed: number;
}

/** The nodes of a search, and where each one's remote state currently stands. */
export class SearchNodes {
  readonly ids: NodeId[];
  readonly handles: Record<NodeId, unknown> = {};
  /** For a remote node: the hash of the state the host holds now, to skip restoring it again. */
  private readonly hostHolds = new Map<NodeId, string>();
  private nextTimer = 0;
  /** Outcomes of node-local steps already taken, by node part and action (see takeStep). */
  readonly memo = new Map<string, LocalStep>();
  memoHits = 0;

  constructor(readonly defs: Record<NodeId, NodeDef<unknown, unknown>>) {
    this.ids = Object.keys(defs).sort();
  }

  isRemote(id: NodeId): boolean {
    return (this.defs[id] as Partial<RestorableNode>).remote === true;
  }

  newTimerId(): TimerId {
    return ++this.nextTimer;
  }

  /** Runs `handler` of node `id` from `state`; returns the state after it. */
  run(
    id: NodeId,
    state: unknown,
    stateKey: string,
    handler: (state: unknown) => unknown,
  ): { state: unknown; fromHost: boolean } {
    if (!this.isRemote(id)) {
      const copy = structuredClone(state);
      const result = handler(copy);
      return { state: result === undefined ? copy : result, fromHost: false };
    }
    const def = this.defs[id] as unknown as RestorableNode;
    if (this.hostHolds.get(id) !== stateKey) def.restore(this.handles[id], state);
    handler(this.handles[id]);
    this.hostHolds.delete(id);
    return { state: def.inspect(this.handles[id]), fromHost: true };
  }

  /** Notes that the host now holds the state whose key is `key` for node `id`. */
  holds(id: NodeId, key: string): void {
    if (this.isRemote(id)) this.hostHolds.set(id, key);
  }
}

/** The world's identity: its nodes' hashes and its messages' hashes, joined (a Map hashes the string). */
export function worldHash(world: Pick<World, "nodeKeys" | "network">): string {
  let key = "";
  for (const id of Object.keys(world.nodeKeys).sort()) key += world.nodeKeys[id];
  key += "|";
  for (const message of world.network) key += message.hash;
  return key;
}

/** 80 bits of SHA-1, as 20 hex digits: short keys, and no collision in any search this runs. */
function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex").slice(0, 20);
}

/**
 * The part of a node that decides its future. Timers compare by name and payload: not by id, and not by
 * delay either, since time does not pass in a search (a timer may fire whenever the earlier ones of its
 * name have).
 */
export function nodeKey(
  world: Pick<World, "states" | "storage" | "timers" | "firings">,
  id: NodeId,
  remote: boolean,
): string {
  const timers = (world.timers[id] ?? []).map((timer) => [timer.name, timer.payload]);
  // A remote node's storage lives in the host, one copy for every branch: it cannot tell worlds apart.
  const storage = remote ? null : world.storage[id];
  return sha1(canonicalJson([world.states[id], storage, timers, world.firings[id] ?? 0]));
}

export function stateKey(state: unknown): string {
  return canonicalJson(state);
}

/** The timer names of `node` that may fire now (the oldest timer of each name fires first). */
export function fireableTimers(world: World, node: NodeId): string[] {
  return [...new Set((world.timers[node] ?? []).map((timer) => timer.name))];
}

/** Every action possible in `world`, each distinct message once. */
export function possibleActions(world: World): Action[] {
  const actions: Action[] = [];
  let previous = "";
  for (const message of world.network) {
    if (message.key === previous) continue;
    previous = message.key;
    actions.push({ kind: "deliver", key: message.key, hash: message.hash, from: message.from, to: message.to });
  }
  for (const node of Object.keys(world.timers).sort())
    for (const name of fireableTimers(world, node)) actions.push({ kind: "fire", node, name });
  return actions;
}

/** What one node did in one step: it depends only on the node's part of the world and the action. */
interface LocalStep {
  state: unknown;
  storage: Record<string, unknown>;
  timers: PendingTimer[];
  sent: InFlight[];
  effects: Effect[];
  nodeKey: string;
}

/**
 * Takes one step: a copy of `world` where the action happened. `effects` receives what the handler did.
 * Messages to ids that are not nodes of the search (clients) leave the world: they are outputs.
 *
 * A step changes only the node it happens to, and depends only on that node's part of the world (its
 * state, storage, pending timers and firings) and on the action, since in a search time stands still
 * (env.now() is 0) and env.random() is seeded from the same two things. So each distinct (node part,
 * action) runs the node's handler once; the worlds that share it reuse the outcome.
 */
export function takeStep(
  nodes: SearchNodes,
  world: World,
  action: Action,
  options: StepOptions,
  effects: Effect[] = [],
): World {
  const id = action.kind === "deliver" ? action.to : action.node;
  const at = action.kind === "deliver" ? world.network.findIndex((message) => message.hash === action.hash) : -1;
  if (action.kind === "deliver" && at < 0) throw new Error(`no message in flight for ${action.key}`);
  const memoKey = `${id} ${world.nodeKeys[id]} ${actionKey(action)}`;
  let local = nodes.memo.get(memoKey);
  if (local === undefined) {
    local = runLocalStep(nodes, world, id, action, at, options, memoKey);
    nodes.memo.set(memoKey, local);
  } else {
    nodes.memoHits++;
  }
  effects.push(...local.effects);
  const network =
    action.kind === "deliver" && !options.duplicates
      ? [...world.network.slice(0, at), ...world.network.slice(at + 1)]
      : world.network;
  const child: World = {
    states: { ...world.states, [id]: local.state },
    storage: { ...world.storage, [id]: local.storage },
    timers: { ...world.timers, [id]: local.timers },
    firings: action.kind === "fire" ? { ...world.firings, [id]: (world.firings[id] ?? 0) + 1 } : world.firings,
    network: local.sent.length > 0 ? [...network, ...local.sent].sort(byKey) : network,
    nodeKeys: { ...world.nodeKeys, [id]: local.nodeKey },
    depth: world.depth + 1,
    hash: "",
  };
  child.hash = worldHash(child);
  return child;
}

function runLocalStep(
  nodes: SearchNodes,
  world: World,
  id: NodeId,
  action: Action,
  at: number,
  options: StepOptions,
  memoKey: string,
): LocalStep {
  const message = world.network[at];
  const timers = [...(world.timers[id] ?? [])];
  let timer: PendingTimer | undefined;
  if (action.kind === "fire") {
    const index = timers.findIndex((pending) => pending.name === action.name);
    if (index < 0) throw new Error(`no timer "${action.name}" pending on ${id}`);
    timer = timers.splice(index, 1)[0];
  }
  const sent: InFlight[] = [];
  const effects: Effect[] = [];
  const storage = new MemoryStorage();
  for (const [key, value] of Object.entries(world.storage[id] ?? {})) storage.set(key, value);
  const random = Prng.derive(options.seed, memoKey);
  const env = searchEnv(id, nodes, { timers, sent, effects, storage, random, now: 0 });
  const def = nodes.defs[id] as NodeDef<unknown, unknown>;
  const result = nodes.run(id, world.states[id], stateKey(world.states[id]), (state) =>
    message !== undefined
      ? def.onMessage(state, message.from, message.msg, env)
      : def.onTimer(state, timerOf(timer as PendingTimer), env),
  );
  nodes.holds(id, stateKey(result.state));
  const firings = { [id]: (world.firings[id] ?? 0) + (action.kind === "fire" ? 1 : 0) };
  const part = {
    states: { [id]: result.state },
    storage: { [id]: storage.snapshot() },
    timers: { [id]: timers },
    firings,
  };
  return {
    state: result.state,
    storage: part.storage[id]!,
    timers,
    sent,
    effects,
    nodeKey: nodeKey(part, id, nodes.isRemote(id)),
  };
}

/**
 * The world before anything happened: every node's init() has run, then `setup` (when given) replaced
 * the states it returns (a search that starts from a chosen situation).
 */
export function initialWorld(
  nodes: SearchNodes,
  messages: Array<{ from: NodeId; to: NodeId; msg: unknown }>,
  options: StepOptions,
  setup?: (states: Record<NodeId, unknown>) => Record<NodeId, unknown>,
  effects: Effect[] = [],
): World {
  const world: World = {
    states: {},
    storage: {},
    timers: {},
    firings: {},
    network: [],
    nodeKeys: {},
    depth: 0,
    hash: "",
  };
  const sent: InFlight[] = messages.map(({ from, to, msg }) => inFlight(from, to, msg));
  for (const id of nodes.ids) {
    const timers: PendingTimer[] = [];
    const storage = new MemoryStorage();
    const random = Prng.derive(options.seed, `${id}\u0000init`);
    const env = searchEnv(id, nodes, { timers, sent, effects, storage, random, now: 0 });
    const def = nodes.defs[id] as NodeDef<unknown, unknown>;
    const state = def.init(env);
    if (nodes.isRemote(id)) {
      nodes.handles[id] = state;
      world.states[id] = (def as unknown as RestorableNode).inspect(state);
    } else {
      world.states[id] = state;
    }
    world.storage[id] = storage.snapshot();
    world.timers[id] = timers;
    nodes.holds(id, stateKey(world.states[id]));
  }
  if (setup !== undefined) {
    const chosen = setup(structuredClone(world.states));
    for (const id of nodes.ids) {
      if (chosen[id] === undefined) continue;
      world.states[id] = chosen[id];
      if (nodes.isRemote(id)) (nodes.defs[id] as unknown as RestorableNode).restore(nodes.handles[id], chosen[id]);
      nodes.holds(id, stateKey(chosen[id]));
    }
  }
  world.network = sent.filter((message) => nodes.ids.includes(message.to)).sort(byKey);
  for (const id of nodes.ids) world.nodeKeys[id] = nodeKey(world, id, nodes.isRemote(id));
  world.hash = worldHash(world);
  return world;
}

interface EnvParts {
  timers: PendingTimer[];
  sent: InFlight[];
  effects: Effect[];
  storage: MemoryStorage;
  random: Prng;
  now: number;
}

function searchEnv(id: NodeId, nodes: SearchNodes, parts: EnvParts): Env<unknown> {
  return {
    id,
    storage: parts.storage,
    send: (to, msg) => {
      parts.effects.push({ kind: "send", from: id, to, msg: structuredClone(msg) });
      if (nodes.defs[to] !== undefined) parts.sent.push(inFlight(id, to, msg));
    },
    setTimer: (name, delay, payload) => {
      if (!(delay >= 0)) throw new RangeError(`setTimer("${name}", ${delay}): the delay must be ≥ 0`);
      const timer = nodes.newTimerId();
      parts.timers.push({
        id: timer,
        name,
        delay,
        payload: payload === undefined ? undefined : structuredClone(payload),
      });
      parts.effects.push({ kind: "timer-set", node: id, timer, name, delay });
      return timer;
    },
    cancelTimer: (timer) => {
      const at = parts.timers.findIndex((pending) => pending.id === timer);
      if (at < 0) return;
      parts.effects.push({ kind: "timer-cancel", node: id, timer, name: parts.timers[at]!.name });
      parts.timers.splice(at, 1);
    },
    now: () => parts.now,
    random: () => parts.random.next(),
    log: (...args) => {
      const text = args.map((arg) => (typeof arg === "string" ? arg : canonicalJson(arg))).join(" ");
      parts.effects.push({ kind: "log", node: id, text });
    },
  };
}

function inFlight(from: NodeId, to: NodeId, msg: unknown): InFlight {
  const copy = structuredClone(msg);
  const key = canonicalJson([from, to, copy]);
  return { from, to, msg: copy, key, hash: sha1(key) };
}

function timerOf(timer: PendingTimer): Timer {
  return { id: timer.id, name: timer.name, payload: timer.payload };
}

export function actionKey(action: Action): string {
  return action.kind === "deliver" ? `deliver ${action.hash}` : `fire ${action.node} ${action.name}`;
}

/** An action as a person reads it (in error messages). */
export function describeAction(action: Action): string {
  return action.kind === "deliver"
    ? `delivery ${action.from} → ${action.to} of ${action.key.length > 120 ? `${action.key.slice(0, 119)}…` : action.key}`
    : `fire ${action.node} ${action.name}`;
}

function byKey(a: InFlight, b: InFlight): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
