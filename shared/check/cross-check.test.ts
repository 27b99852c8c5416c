// The checker prunes its search (memo, read-only operations first, candidates by return time); this
// file checks those shortcuts against the definition itself: try every order of every small history.
import { describe, expect, it } from "vitest";
import { Prng } from "../sim/prng.ts";
import { checkHistory } from "./linearizability.ts";
import { kvModel, type KvInput, type KvOperation, type KvOutput, type KvValue } from "./models/kv.ts";

/**
 * Linearizable by definition: some order of the operations respects real time (a before b whenever
 * a returned before b was called), matches the model step by step, and contains every operation
 * that returned (an operation with an unknown outcome may be left out).
 */
function bruteForce(history: readonly KvOperation[]): boolean {
  const byKey = new Map<string, KvOperation[]>();
  for (const op of history) byKey.set(op.input.key, [...(byKey.get(op.input.key) ?? []), op]);
  return [...byKey.values()].every((ops) => completes(ops, kvModel.init()));
}

function completes(remaining: readonly KvOperation[], state: KvValue): boolean {
  if (remaining.every((op) => op.return === null)) return true;
  return remaining.some((op, i) => {
    const mustWait = remaining.some((other) => other.return !== null && other.return < op.call);
    if (mustWait) return false;
    const [ok, next] = kvModel.step(state, op.input, op.output);
    return ok && completes([...remaining.slice(0, i), ...remaining.slice(i + 1)], next);
  });
}

const VALUES = ["1", "2", "12"];

/** A small random history over one or two keys, linearizable or not; values repeat on purpose. */
function randomHistory(random: Prng): KvOperation[] {
  const keys = random.chance(0.5) ? ["a"] : ["a", "b"];
  const count = random.int(2, 7);
  return Array.from({ length: count }, (_, client) => {
    const call = random.int(0, 12);
    const ret = random.chance(0.15) ? null : call + random.int(0, 6);
    const key = random.pick(keys);
    const kind = random.pick(["get", "get", "put", "append", "delete", "cas", "cas"] as const);
    const input: KvInput =
      kind === "get" || kind === "delete"
        ? { op: kind, key }
        : kind === "cas"
          ? { op: "cas", key, expected: random.pick([null, ...VALUES]), value: random.pick(VALUES) }
          : { op: kind, key, value: random.pick(["1", "2"]) };
    let output: KvOutput = {};
    if (ret === null) output = null;
    else if (kind === "get") output = { value: random.pick([null, ...VALUES]) };
    else if (kind === "cas") output = { ok: random.chance(0.5) };
    return { client, call, return: ret, input, output };
  });
}

describe("the checker against trying every order", () => {
  it("agrees on 4000 random small histories, linearizable or not", () => {
    const random = new Prng(2024);
    const verdicts = { ok: 0, illegal: 0 };
    for (let i = 0; i < 4000; i++) {
      const history = randomHistory(random);
      const expected = bruteForce(history) ? "ok" : "illegal";
      const actual = checkHistory(kvModel, history).result;
      expect(actual, `history ${i}:\n${history.map((op) => JSON.stringify(op)).join("\n")}`).toBe(expected);
      verdicts[expected]++;
    }
    // Both verdicts are common, so the agreement means something.
    expect(verdicts.ok).toBeGreaterThan(400);
    expect(verdicts.illegal).toBeGreaterThan(400);
  });

  it("does not take a delete of a missing key early: a put may still come before it", () => {
    const history: KvOperation[] = [
      { client: 0, call: 0, return: 10, input: { op: "delete", key: "x" }, output: {} },
      { client: 1, call: 1, return: 2, input: { op: "put", key: "x", value: "1" }, output: {} },
      { client: 2, call: 3, return: 4, input: { op: "get", key: "x" }, output: { value: null } },
    ];
    expect(checkHistory(kvModel, history).result).toBe("ok");
  });
});
