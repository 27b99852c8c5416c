// Used by the tests, not graded, and not yours to change (the tests check it is the file the kit ships):
// two tiny actors built on the reliability layer alone, so that steps 1–3 are tested before any shop
// actor exists, and a way for a test to call one of your handlers and see what it did to its state.
import type { NodeDef } from "@distlab/kit/sim";
import { defineActor } from "./actor.ts";
import { refuse, type Message } from "./messages.ts";
import { answer, sendRequest, type ActorState } from "./reliable.ts";

export type ProbeRequest =
  { type: "increment"; rid: string } | { type: "go"; rid: string; count: number; timeoutMs?: number };

export interface CallerData {
  go: string | null;
  count: number;
  /** The counter's value in each reply, in the order they came. */
  replies: number[];
  timeouts: number;
}

type ProbeNode<D> = NodeDef<ActorState<D, ProbeRequest>, Message<ProbeRequest>>;

/** Counts the increments it applies and answers each with the new value. */
export function counterProbe(): ProbeNode<{ value: number }> {
  return defineActor<{ value: number }, ProbeRequest>({
    initial: () => ({ value: 0 }),
    handleRequest(state, _from, request) {
      if (request.type !== "increment") return refuse("the counter only increments");
      state.data.value++;
      return { ok: true, amount: state.data.value };
    },
  });
}

/** On `go`, sends `count` increments to `counter`, and answers `go` once each is answered or timed out. */
export function callerProbe(): ProbeNode<CallerData> {
  const finishIfDone = (state: ActorState<CallerData, ProbeRequest>, env: Parameters<typeof answer>[3]) => {
    const { go, count, replies, timeouts } = state.data;
    if (go !== null && replies.length + timeouts === count)
      answer(state, go, { ok: true, amount: replies.length }, env);
  };
  return defineActor<CallerData, ProbeRequest>({
    initial: () => ({ go: null, count: 0, replies: [], timeouts: 0 }),
    handleRequest(state, _from, request, env) {
      if (request.type !== "go") return refuse("the caller only goes");
      Object.assign(state.data, { go: request.rid, count: request.count });
      const options = request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs };
      for (let i = 0; i < request.count; i++) sendRequest(state, "counter", { type: "increment" }, env, options);
      return undefined;
    },
    handleReply(state, _pending, body, env) {
      state.data.replies.push(body.ok ? (body.amount ?? -1) : -1);
      finishIfDone(state, env);
    },
    handleTimeout(state, _pending, env) {
      state.data.timeouts++;
      finishIfDone(state, env);
    },
  });
}

/**
 * Calls `fn` exported by `module` (a file of this folder) and returns its result together with its
 * arguments afterwards: the inventory's and payment's handlers change their data in place.
 */
export async function callInPlace(module: string, fn: string, ...args: unknown[]) {
  if (!/^[\w-]+\.ts$/.test(module)) throw new Error(`callInPlace: "${module}" is not a file of this folder`);
  const loaded = (await import(`./${module}`)) as Record<string, unknown>;
  const exported = loaded[fn];
  if (typeof exported !== "function") throw new Error(`callInPlace: src/${module} exports no function ${fn}`);
  const result: unknown = exported(...args);
  return { result, args };
}
