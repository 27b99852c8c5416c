// Known-bad histories for tests: take a linearizable generated history and plant one classic bug.
// Each planter looks for a spot where the bug is provably non-linearizable (the reasoning is in the
// comments) using the unique values the generator writes: put values "pN", append tokens "[aN]",
// cas values "cN".
import { Prng } from "../sim/prng.ts";
import { generateKvHistoryWithOrder, type GenerateOptions } from "./generate.ts";
import type { KvOperation } from "./models/kv.ts";

export type PlantedBug = "stale-read" | "lost-write" | "duplicated-append" | "double-cas";

export const PLANTED_BUGS: readonly PlantedBug[] = ["stale-read", "lost-write", "duplicated-append", "double-cas"];

export interface BuggyHistory {
  operations: KvOperation[];
  bug: PlantedBug;
  /** Index of the operation whose output (or input) was changed. */
  changed: number;
  description: string;
}

/** Where to plant: the operation to change, and the earlier operation the argument relies on. */
type Spot = [changed: number, witness: number];
type Planter = (ops: KvOperation[], byKey: Map<string, number[]>) => Spot[];

const retOf = (op: KvOperation) => op.return ?? Infinity;
const valueOf = (op: KvOperation) => (op.output as { value: string | null }).value;
const changesState = (op: KvOperation) =>
  op.input.op !== "get" && !(op.input.op === "cas" && !(op.output as { ok: boolean }).ok);

const PLANTERS: Record<PlantedBug, { find: Planter; plant(ops: KvOperation[], spot: Spot): string }> = {
  // A get returns the value of put w1 although some write w2 started after w1 finished and finished
  // before the get started: w2 replaced that value for good (values are unique), so the get is stale.
  "stale-read": {
    find: (ops, byKey) =>
      spots(byKey, (effect) => {
        const found: Spot[] = [];
        const puts: number[] = [];
        const writes: number[] = [];
        for (const i of effect) {
          const op = ops[i]!;
          if (op.input.op === "get") {
            const w2 = writes.find((w) => retOf(ops[w]!) < op.call && puts.some((p) => retOf(ops[p]!) < ops[w]!.call));
            const w1 = w2 === undefined ? undefined : puts.find((p) => retOf(ops[p]!) < ops[w2]!.call);
            if (w1 !== undefined && valueOf(op) !== (ops[w1]!.input as { value: string }).value) found.push([i, w1]);
          }
          if (op.input.op === "put") puts.push(i);
          if (changesState(op)) writes.push(i);
        }
        return found;
      }),
    plant(ops, [get, put]) {
      const value = (ops[put]!.input as { value: string }).value;
      ops[get]!.output = { value };
      return `get at index ${get} now returns ${value}, overwritten before it was called`;
    },
  },
  // A get misses the token of an append that finished before the get started, on top of a put that
  // finished before the append started: the value still starts with that put's (unique) value, so no
  // later put reset it, and no order drops the token while keeping the prefix.
  "lost-write": {
    find: (ops) => {
      const writer = new Map<string, number>();
      ops.forEach((op, i) => {
        if (op.input.op === "put" || op.input.op === "append") writer.set(op.input.value, i);
      });
      const found: Spot[] = [];
      ops.forEach((op, i) => {
        const value = op.input.op === "get" ? valueOf(op) : null;
        const base = value === null ? undefined : writer.get(value.split("[")[0]!);
        if (value === null || base === undefined) return;
        for (const token of value.match(/\[a\d+\]/g) ?? []) {
          const append = writer.get(token)!;
          if (retOf(ops[base]!) < ops[append]!.call && retOf(ops[append]!) < op.call) found.push([i, append]);
        }
      });
      return found;
    },
    plant(ops, [get, append]) {
      const token = (ops[append]!.input as { value: string }).value;
      ops[get]!.output = { value: (valueOf(ops[get]!) ?? "").replace(token, "") };
      return `get at index ${get} no longer shows ${token}, appended (and acknowledged) before it was called`;
    },
  },
  // A token appended once shows up twice: no sequence of appends produces that.
  "duplicated-append": {
    find: (ops) =>
      ops.flatMap((op, i): Spot[] => (op.input.op === "get" && /\[a\d+\]/.test(valueOf(op) ?? "") ? [[i, i]] : [])),
    plant(ops, [get]) {
      const value = valueOf(ops[get]!) as string;
      const token = /\[a\d+\]/.exec(value)![0];
      ops[get]!.output = { value: value.replace(token, token + token) };
      return `get at index ${get} shows ${token} twice`;
    },
  },
  // The last operation on a key becomes a cas expecting the same put value as an earlier successful cas
  // that finished before it started, and succeeding too: both cannot see that value.
  "double-cas": {
    find: (ops, byKey) =>
      spots(byKey, (effect) => {
        const last = effect[effect.length - 1]!;
        return effect
          .filter((i) => {
            const op = ops[i]!;
            return (
              i !== last &&
              op.input.op === "cas" &&
              (op.output as { ok: boolean }).ok &&
              /^p\d+$/.test(op.input.expected ?? "") &&
              retOf(op) < ops[last]!.call
            );
          })
          .map((i): Spot => [last, i]);
      }),
    plant(ops, [last, first]) {
      const expected = (ops[first]!.input as { expected: string }).expected;
      ops[last]!.input = { op: "cas", key: ops[first]!.input.key, expected, value: "c-again" };
      ops[last]!.output = { ok: true };
      return `cas at index ${last} succeeds expecting ${expected}, which the cas at index ${first} already replaced`;
    },
  },
};

/** Runs `find` on each key's operations in effect order and collects the spots. */
function spots(byKey: Map<string, number[]>, find: (effect: number[]) => Spot[]): Spot[] {
  return [...byKey.values()].flatMap(find);
}

/** Generates a linearizable history, then plants `bug` at a seeded-random suitable spot. */
export function generateBuggyKvHistory(options: GenerateOptions & { bug: PlantedBug }): BuggyHistory {
  const { operations, effectOrder } = generateKvHistoryWithOrder(options);
  const byKey = new Map<string, number[]>();
  for (const i of effectOrder) {
    const key = operations[i]!.input.key;
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [i]);
    else list.push(i);
  }
  const planter = PLANTERS[options.bug];
  const found = planter.find(operations, byKey);
  if (found.length === 0)
    throw new Error(
      `cannot plant ${options.bug}: no suitable spot in ${operations.length} operations; generate a bigger history`,
    );
  const spot = new Prng(options.seed ^ 0x5eed).pick(found);
  const description = planter.plant(operations, spot);
  return { operations, bug: options.bug, changed: spot[0], description };
}
