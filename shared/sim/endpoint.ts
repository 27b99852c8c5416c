// One simulated endpoint (a node or a test client) and the env its handlers receive. An env belongs to
// one incarnation of a node: after a crash, calls through an old env fail loudly instead of leaking
// into the restarted node.
import type { NondeterminismGuard } from "./guard.ts";
import { Prng } from "./prng.ts";
import { MemoryStorage } from "./storage.ts";
import { canonicalJson } from "./trace.ts";
import type { Env, NodeDef, NodeId, TimerId, TraceEvent } from "./types.ts";

export interface Endpoint {
  id: NodeId;
  def?: NodeDef<unknown, unknown>;
  client?: {
    inbox: Array<{ from: NodeId; msg: unknown; time: number }>;
    onMessage?: (from: NodeId, msg: unknown) => void;
  };
  state: unknown;
  up: boolean;
  incarnation: number;
  env?: Env<unknown>;
  random: Prng;
  storage: MemoryStorage;
  /** Pending timers of the current incarnation, id → name. */
  timers: Map<TimerId, string>;
  nextTimerId: number;
}

/** What an env needs from the simulator that drives it. */
export interface EnvHost {
  now(): number;
  /** `owned`: nobody else holds `msg` (it was just decoded), so it travels without being copied. */
  transmit(from: NodeId, to: NodeId, msg: unknown, owned?: boolean): void;
  record(event: TraceEvent): void;
  scheduleTimer(node: Endpoint, timer: TimerId, name: string, delayMs: number, payload: unknown): void;
  /** Records a nondeterministic call made by the node's code in the node host. */
  reportViolation?(node: NodeId, api: string): void;
}

/**
 * An env's send for a message nobody else holds (decoded from the node host's answer): it travels as it
 * is, without the copy env.send makes. Not part of the Env node code sees.
 */
export const SEND_OWNED = Symbol("distlab.sendOwned");

export interface OwnedSend {
  [SEND_OWNED]?: (to: NodeId, msg: unknown) => void;
}

/**
 * An env's report of a Math.random(), Date.now() or timer call that node code made in the node host: the
 * simulator's guard records it as if it had been made here. Not part of the Env node code sees.
 */
export const REPORT_VIOLATION = Symbol("distlab.reportViolation");

export interface ViolationReport {
  [REPORT_VIOLATION]?: (api: string) => void;
}

export class SimulationError extends Error {
  override name = "SimulationError";
}

export function cloneMessage(msg: unknown, from: NodeId, to: NodeId): unknown {
  try {
    return structuredClone(msg);
  } catch (error) {
    throw new SimulationError(
      `the message from "${from}" to "${to}" cannot be sent: it is not structuredClone-able (${(error as Error).message})`,
      { cause: error },
    );
  }
}

export function makeEnv(endpoint: Endpoint, host: EnvHost): Env<unknown> {
  const incarnation = endpoint.incarnation;
  const live = (call: string): void => {
    if (endpoint.incarnation !== incarnation || !endpoint.up) {
      throw new SimulationError(
        `node "${endpoint.id}" called env.${call} through an env from before its crash: do not keep env (or closures over it) outside a handler`,
      );
    }
  };
  const env: Env<unknown> & OwnedSend = {
    id: endpoint.id,
    storage: endpoint.storage,
    send: (to, msg) => {
      live("send()");
      host.transmit(endpoint.id, to, msg);
    },
    setTimer: (name, delayMs, payload) => {
      live("setTimer()");
      if (!(delayMs >= 0)) throw new RangeError(`setTimer("${name}", ${delayMs}): the delay must be ≥ 0`);
      const timer = ++endpoint.nextTimerId;
      endpoint.timers.set(timer, name);
      host.scheduleTimer(endpoint, timer, name, delayMs, payload === undefined ? undefined : structuredClone(payload));
      host.record({ t: host.now(), kind: "timer-set", node: endpoint.id, timer, name, delay: delayMs });
      return timer;
    },
    cancelTimer: (timer) => {
      live("cancelTimer()");
      const name = endpoint.timers.get(timer);
      if (name === undefined) return;
      endpoint.timers.delete(timer);
      host.record({ t: host.now(), kind: "timer-cancel", node: endpoint.id, timer, name });
    },
    now: () => host.now(),
    random: () => endpoint.random.next(),
    log: (...args) => {
      const text = args.map((a) => (typeof a === "string" ? a : canonicalJson(a))).join(" ");
      host.record({ t: host.now(), kind: "log", node: endpoint.id, text });
    },
  };
  Object.defineProperty(env, SEND_OWNED, {
    value: (to: NodeId, msg: unknown) => {
      live("send()");
      host.transmit(endpoint.id, to, msg, true);
    },
  });
  const report = host.reportViolation;
  if (report) Object.defineProperty(env, REPORT_VIOLATION, { value: (api: string) => report(endpoint.id, api) });
  return env;
}

/** `bufferedStorage`: writes wait for storage.sync() to survive a crash (see MemoryStorage). */
export function newEndpoint(id: NodeId, seed: number, bufferedStorage = false): Endpoint {
  return {
    id,
    state: undefined,
    up: true,
    incarnation: 0,
    random: Prng.derive(seed, id),
    storage: new MemoryStorage({ buffered: bufferedStorage }),
    timers: new Map(),
    nextTimerId: 0,
  };
}

/**
 * Runs one handler of a node under the nondeterminism guard; a returned value replaces the state.
 * Errors come out naming the node, the event, the virtual time and the seed.
 */
export function runHandler(
  endpoint: Endpoint,
  what: string,
  handler: (state: unknown, env: Env<unknown>) => unknown,
  context: { guard: NondeterminismGuard; now: number; seed: number },
): void {
  let result: unknown;
  // A node in the node host runs under the host's own guard, which reports what it caught (see
  // REPORT_VIOLATION): patching this process's globals around the call would catch nothing of it.
  const remote = (endpoint.def as { remote?: boolean } | undefined)?.remote === true;
  try {
    const env = endpoint.env as Env<unknown>;
    result = remote
      ? handler(endpoint.state, env)
      : context.guard.run(endpoint.id, context.now, () => handler(endpoint.state, env));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SimulationError(
      `node "${endpoint.id}" threw while handling ${what} at t=${context.now}ms (seed ${context.seed}): ${reason}`,
      { cause: error },
    );
  }
  if (result === undefined) return;
  if (result !== null && typeof (result as { then?: unknown }).then === "function") {
    throw new SimulationError(
      `node "${endpoint.id}" returned a Promise from its handler for ${what}: handlers must be synchronous`,
    );
  }
  endpoint.state = result;
}
