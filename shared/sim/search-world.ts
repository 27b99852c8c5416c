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
  /** Canonical JSON of each node's part of the world (state, storage, timers, firings), cached. */
  nodeKeys: Record<NodeId, string>;
  hash: string;
}

/**
 * One thing that can happen in a world: deliver the message with this key, or fire the node's oldest
 * pending timer of this name. Plain data, so that a path of actions replays on a fresh copy of the world.
 */
export type Action =
  { kind: "deliver"; key: string; from: NodeId; to: NodeId } | { kind: "fire"; node: NodeId; name: string };

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

export function worldHash(world: Pick<World, "nodeKeys" | "network">): string {
  const hash = createHash("sha1");
  for (const id of Object.keys(world.nodeKeys).sort()) hash.update(id).update("\u0000").update(world.nodeKeys[id]!);
  for (const message of world.network) hash.update("\u0001").update(message.key);
  return hash.digest("hex");
}

/**
 * The part of a node that decides its future. Timers compare by name and payload: not by id, and not by
 * delay either, since time does not pass in a search (a timer may fire whenever the earlier ones of its
 * name have).
 */
export function nodeKey(world: Pick<World, "states" | "storage" | "timers" | "firings">, id: NodeId): string {
  const timers = (world.timers[id] ?? []).map((timer) => [timer.name, timer.payload]);
  return canonicalJson([world.states[id], world.storage[id], timers, world.firings[id] ?? 0]);
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
    actions.push({ kind: "deliver", key: message.key, from: message.from, to: message.to });
  }
  for (const node of Object.keys(world.timers).sort())
    for (const name of fireableTimers(world, node)) actions.push({ kind: "fire", node, name });
  return actions;
}

/**
 * Takes one step: a copy of `world` where the action happened. `effects` receives what the handler did.
 * Messages to ids that are not nodes of the search (clients) leave the world: they are outputs.
 */
export function takeStep(
  nodes: SearchNodes,
  world: World,
  action: Action,
  options: StepOptions,
  effects: Effect[] = [],
): World {
  const id = action.kind === "deliver" ? action.to : action.node;
  const at = action.kind === "deliver" ? world.network.findIndex((message) => message.key === action.key) : -1;
  const message = world.network[at];
  if (action.kind === "deliver" && message === undefined) throw new Error(`no message in flight for ${action.key}`);
  const child: World = {
    ...world,
    states: { ...world.states },
    storage: { ...world.storage },
    timers: { ...world.timers },
    firings: { ...world.firings },
    network: world.network,
    nodeKeys: { ...world.nodeKeys },
    depth: world.depth + 1,
    hash: "",
  };
  const sent: InFlight[] = [];
  const timers = [...(world.timers[id] ?? [])];
  let timer: PendingTimer | undefined;
  if (action.kind === "deliver") {
    if (!options.duplicates) child.network = [...world.network.slice(0, at), ...world.network.slice(at + 1)];
  } else {
    const index = timers.findIndex((pending) => pending.name === action.name);
    if (index < 0) throw new Error(`no timer "${action.name}" pending on ${id}`);
    timer = timers.splice(index, 1)[0];
    child.firings[id] = (world.firings[id] ?? 0) + 1;
  }
  const storage = new MemoryStorage();
  for (const [key, value] of Object.entries(world.storage[id] ?? {})) storage.set(key, value);
  const random = Prng.derive(options.seed, `${id}\u0000${world.hash}\u0000${actionKey(action)}`);
  const env = searchEnv(id, nodes, { timers, sent, effects, storage, random, now: world.depth });
  const def = nodes.defs[id] as NodeDef<unknown, unknown>;
  const key = stateKey(world.states[id]);
  const result = nodes.run(id, world.states[id], key, (state) =>
    message !== undefined
      ? def.onMessage(state, message.from, message.msg, env)
      : def.onTimer(state, timerOf(timer as PendingTimer), env),
  );
  child.states[id] = result.state;
  child.storage[id] = storage.snapshot();
  child.timers[id] = timers;
  if (sent.length > 0) child.network = [...child.network, ...sent].sort(byKey);
  child.nodeKeys[id] = nodeKey(child, id);
  child.hash = worldHash(child);
  nodes.holds(id, stateKey(child.states[id]));
  return child;
}

/** The world before anything happened: every node's init() has run. */
export function initialWorld(
  nodes: SearchNodes,
  messages: Array<{ from: NodeId; to: NodeId; msg: unknown }>,
  options: StepOptions,
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
  world.network = sent.filter((message) => nodes.ids.includes(message.to)).sort(byKey);
  for (const id of nodes.ids) world.nodeKeys[id] = nodeKey(world, id);
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
  return { from, to, msg: copy, key: canonicalJson([from, to, copy]) };
}

function timerOf(timer: PendingTimer): Timer {
  return { id: timer.id, name: timer.name, payload: timer.payload };
}

export function actionKey(action: Action): string {
  return action.kind === "deliver" ? `deliver ${action.key}` : `fire ${action.node} ${action.name}`;
}

function byKey(a: InFlight, b: InFlight): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
