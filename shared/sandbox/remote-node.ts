// A NodeDef whose handlers run in the node host. The simulator drives it like any node; each handler call
// becomes one request, and the effects that come back (sends, timers, storage writes, logs) are replayed
// on the simulator's own env, in order — so traces, crashes and replays work as for a local node.
import { REPORT_VIOLATION, SEND_OWNED, type OwnedSend, type ViolationReport } from "../sim/endpoint.ts";
import { SET_OWNED, type MemoryStorage } from "../sim/storage.ts";
import type { Env, NodeId, Storage, Timer, TimerId } from "../sim/types.ts";
import type { Effect, Request } from "./protocol.ts";
import type { RemoteHandle, RemoteNodeDef } from "./types.ts";

/** What a remote node needs from its host: one synchronous request, and fresh instance and stream numbers. */
export interface HostLink {
  request(request: Request, what: string): unknown;
  nextInstance(): number;
}

let nextStream = 0;

// A node's calls to these, caught in the host, are reported to the simulator's guard (REPORT_VIOLATION),
// or, for a driver without that report, repeated here while its guard is active, so the guard records
// (or, in "throw" mode, refuses) them exactly as for a node running in this process.
const REPLAY_VIOLATION: Record<string, () => void> = {
  "Math.random()": () => void Math.random(),
  "Date.now()": () => void Date.now(),
  "performance.now()": () => void performance.now(),
  "setTimeout()": () => clearTimeout(setTimeout(() => undefined, 0)),
  "setInterval()": () => clearInterval(setInterval(() => undefined, 1000)),
  "setImmediate()": () => clearImmediate(setImmediate(() => undefined)),
};

function storageSnapshot(storage: Storage): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of storage.keys()) out[key] = storage.get(key);
  return out;
}

export function remoteNode<S, M>(
  host: HostLink,
  module: string,
  factory: string,
  args: unknown[],
): RemoteNodeDef<S, M> {
  const stream = ++nextStream;
  let seed: number | undefined;
  let current: number | undefined;
  // The host numbers a node's timers itself; the simulator's ids differ, so keep both directions. Entries
  // stay after a timer fires or is cancelled: a state-space search restores a node to an earlier state
  // and fires or cancels the same timer again along another branch (the host never reuses an id).
  let toLocal = new Map<TimerId, number>();
  let toHost = new Map<number, TimerId>();

  const apply = (effects: Effect[], env: Env<M>): void => {
    // Messages and values decoded from the answer belong to nobody else: the simulator need not copy them again.
    const sendOwned = (env as Env<M> & OwnedSend)[SEND_OWNED];
    const reportViolation = (env as Env<M> & ViolationReport)[REPORT_VIOLATION];
    const storage = env.storage as Storage & Partial<Pick<MemoryStorage, typeof SET_OWNED>>;
    for (const effect of effects) {
      switch (effect[0]) {
        case "send":
          if (sendOwned) sendOwned(effect[1], effect[2]);
          else env.send(effect[1], effect[2] as M);
          break;
        case "timer": {
          const local = env.setTimer(effect[2], effect[3], effect[4]);
          toLocal.set(local, effect[1]);
          toHost.set(effect[1], local);
          break;
        }
        case "cancel": {
          const local = toHost.get(effect[1]);
          if (local !== undefined) env.cancelTimer(local);
          break;
        }
        case "set":
          if (storage[SET_OWNED]) storage[SET_OWNED](effect[1], effect[2]);
          else storage.set(effect[1], effect[2]);
          break;
        case "delete":
          env.storage.delete(effect[1]);
          break;
        case "sync":
          env.storage.sync();
          break;
        case "log":
          env.log(effect[1]);
          break;
        case "violation":
          if (reportViolation) reportViolation(effect[1]);
          else REPLAY_VIOLATION[effect[1]]?.();
          break;
      }
    }
  };

  const handlerCall = (request: Request, what: string, env: Env<M>): void => {
    const response = host.request(request, what) as { effects?: Effect[] };
    apply(response.effects ?? [], env);
  };

  return {
    remote: true,
    init(env) {
      // The node's env.random() stream lives in the host; it is seeded from this node's stream here, once.
      seed ??= Math.floor(env.random() * 2 ** 32);
      const instance = host.nextInstance();
      const replaces = current;
      current = instance;
      toLocal = new Map();
      toHost = new Map();
      const request: Request = {
        op: "create",
        instance,
        module,
        factory,
        args,
        node: env.id,
        stream,
        seed,
        now: env.now(),
        storage: storageSnapshot(env.storage),
        ...(replaces === undefined ? {} : { replaces }),
      };
      handlerCall(request, "init", env);
      return { remote: instance };
    },
    onMessage(handle, from: NodeId, msg, env) {
      handlerCall({ op: "message", instance: handle.remote, now: env.now(), from, msg }, "a message", env);
    },
    onTimer(handle, timer: Timer, env) {
      const id = toLocal.get(timer.id);
      if (id === undefined) return;
      const request: Request = {
        op: "timer",
        instance: handle.remote,
        now: env.now(),
        id,
        name: timer.name,
        payload: timer.payload,
      };
      handlerCall(request, `timer "${timer.name}"`, env);
    },
    inspect(handle: RemoteHandle) {
      return (host.request({ op: "inspect", instance: handle.remote }, "reading its state") as { value: S }).value;
    },
    restore(handle: RemoteHandle, state: S) {
      host.request({ op: "restore", instance: handle.remote, state }, "restoring its state");
    },
  };
}
