import { parseDuration } from "../durations.ts";
import { badRequest } from "../errors.ts";
import type { RegistryState } from "../state.ts";
import type { Answer, RequestContext } from "./router.ts";

/**
 * Blocking queries, as Consul documents them: with `?index=N` the answer waits until the data's index is
 * past N or `wait` runs out (default 5 minutes, at most 10, plus up to wait/16 of random jitter), then
 * answers whatever is current with its index. A return is no promise that anything changed: a client
 * compares indexes. Without `index` (or with 0) the answer is immediate.
 */

export const DEFAULT_WAIT_MS = 5 * 60_000;
export const MAX_WAIT_MS = 10 * 60_000;

export interface Reading {
  /** What X-Consul-Index says. */
  index: number;
  /**
   * What a blocked query watches, when narrower than the index: a single key's own last change while the
   * index is the whole store's (as in Consul, where a read of one key answers the table's index but only
   * that key's change wakes it).
   */
  watch?: number;
  body: Answer;
}

export function waitOf(context: RequestContext): number {
  const raw = context.query.get("wait");
  if (raw === null || raw === "") return DEFAULT_WAIT_MS;
  let ms: number;
  try {
    ms = parseDuration(raw, "wait");
  } catch {
    throw badRequest("Invalid wait time");
  }
  if (ms < 0) throw badRequest("Invalid wait time");
  return Math.min(ms, MAX_WAIT_MS);
}

export async function blockingRead(
  state: RegistryState,
  context: RequestContext,
  read: () => Reading,
): Promise<Answer> {
  const minIndex = context.integer("index", "index") ?? 0;
  const waitMs = waitOf(context);
  const first = read();
  if (minIndex === 0 || first.index > minIndex) return answer(first);
  const startedWatching = first.watch ?? first.index;
  const jitter = state.random() * (waitMs / 16);
  const final = await new Promise<Reading>((resolve) => {
    const finish = (reading: Reading) => {
      unsubscribe();
      timer.cancel();
      context.signal.removeEventListener("abort", onAbort);
      resolve(reading);
    };
    const onAbort = () => finish(first);
    const unsubscribe = state.onChange(() => {
      const now = read();
      if ((now.watch ?? now.index) !== startedWatching && now.index > minIndex) finish(now);
    });
    const timer = state.clock.setTimer(waitMs + jitter, () => finish(read()));
    context.signal.addEventListener("abort", onAbort);
  });
  return answer(final);
}

function answer(reading: Reading): Answer {
  return { ...reading.body, index: reading.index };
}
