import { describe, expect, it } from "vitest";
import { generateKvHistory } from "./generate.ts";
import { checkHistory } from "./linearizability.ts";
import type { Model, Operation } from "./model.ts";
import { kvModel, type KvInput, type KvOperation, type KvOutput } from "./models/kv.ts";
import { generateBuggyKvHistory, PLANTED_BUGS } from "./planted-bugs.ts";

const op = (client: number, call: number, ret: number | null, input: KvInput, output: KvOutput): KvOperation => ({
  client,
  call,
  return: ret,
  input,
  output,
});
const put = (key: string, value: string): KvInput => ({ op: "put", key, value });
const get = (key: string): KvInput => ({ op: "get", key });

describe("linearizability checker on small histories", () => {
  it("accepts a sequential history that matches the model", () => {
    const history = [op(0, 0, 1, put("x", "1"), {}), op(0, 2, 3, get("x"), { value: "1" })];
    expect(checkHistory(kvModel, history).result).toBe("ok");
  });

  it("rejects a read of a value overwritten before the read began", () => {
    const history = [
      op(0, 0, 1, put("x", "1"), {}),
      op(0, 2, 3, put("x", "2"), {}),
      op(1, 4, 5, get("x"), { value: "1" }),
    ];
    const result = checkHistory(kvModel, history);
    expect(result.result).toBe("illegal");
    expect(result.partitions[0]).toMatchObject({
      result: "illegal",
      linearized: [0, 1],
      failedAt: 2,
      stateAfterPrefix: '"2"',
    });
  });

  it("lets concurrent operations take effect in either order", () => {
    const history = [
      op(0, 0, 10, put("x", "1"), {}),
      op(1, 2, 4, get("x"), { value: null }),
      op(2, 5, 6, get("x"), { value: "1" }),
    ];
    expect(checkHistory(kvModel, history).result).toBe("ok");
  });

  it("treats touching intervals (a.return == b.call) as concurrent", () => {
    const history = [op(0, 0, 5, put("x", "1"), {}), op(1, 5, 6, get("x"), { value: null })];
    expect(checkHistory(kvModel, history).result).toBe("ok");
    const apart = [op(0, 0, 5, put("x", "1"), {}), op(1, 6, 7, get("x"), { value: null })];
    expect(checkHistory(kvModel, apart).result).toBe("illegal");
  });

  it("lets an operation with an unknown outcome either take effect or not", () => {
    const tookEffect = [op(0, 0, null, put("x", "1"), null), op(1, 5, 6, get("x"), { value: "1" })];
    const neverDid = [op(0, 0, null, put("x", "1"), null), op(1, 5, 6, get("x"), { value: null })];
    expect(checkHistory(kvModel, tookEffect).result).toBe("ok");
    expect(checkHistory(kvModel, neverDid).result).toBe("ok");
  });

  it("checks cas against the current value, with expected null meaning absent", () => {
    const history = [
      op(0, 0, 1, { op: "cas", key: "x", expected: null, value: "a" }, { ok: true }),
      op(0, 2, 3, { op: "cas", key: "x", expected: null, value: "b" }, { ok: false }),
      op(0, 4, 5, { op: "append", key: "x", value: "c" }, {}),
      op(0, 6, 7, get("x"), { value: "ac" }),
    ];
    expect(checkHistory(kvModel, history).result).toBe("ok");
  });

  it("checks keys independently and names the illegal one", () => {
    const history = [
      op(0, 0, 1, put("a", "1"), {}),
      op(1, 0, 1, put("b", "1"), {}),
      op(0, 2, 3, get("b"), { value: "2" }),
    ];
    const result = checkHistory(kvModel, history);
    expect(result.partitions.map((p) => [p.name, p.result])).toEqual([
      ['key "a"', "ok"],
      ['key "b"', "illegal"],
    ]);
  });

  it("works with any model: a counter knows nothing about keys", () => {
    const counter: Model<number, "inc" | "read", number | null> = {
      init: () => 0,
      step: (n, input, output) => (input === "inc" ? [true, n + 1] : [output === n, n]),
    };
    const history: Operation<"inc" | "read", number | null>[] = [
      { client: 0, call: 0, return: 4, input: "inc", output: null },
      { client: 1, call: 1, return: 3, input: "inc", output: null },
      { client: 2, call: 2, return: 5, input: "read", output: 1 },
    ];
    expect(checkHistory(counter, history).result).toBe("ok");
    expect(
      checkHistory(counter, [...history, { client: 2, call: 6, return: 7, input: "read", output: 1 }]).result,
    ).toBe("illegal");
  });
});

describe("linearizability checker on generated histories", () => {
  it.each([
    { operations: 300, keys: 1, clients: 10, seed: 1 },
    { operations: 2_000, keys: 1, clients: 4, seed: 2 },
    { operations: 5_000, keys: 10, clients: 10, seed: 3 },
    { operations: 20_000, keys: 100, clients: 10, seed: 4 },
    { operations: 1_000, keys: 3, clients: 20, seed: 5 },
  ])("accepts a linearizable history of $operations ops over $keys key(s) from $clients clients", (options) => {
    const result = checkHistory(kvModel, generateKvHistory(options));
    expect(result.result).toBe("ok");
    expect(result.partitions.every((p) => p.linearized.length === p.operations.length)).toBe(true);
  });

  it.each(PLANTED_BUGS.flatMap((bug) => [1, 2, 3].map((seed) => ({ bug, seed }))))(
    "reports illegal for a planted $bug (seed $seed)",
    ({ bug, seed }) => {
      const buggy = generateBuggyKvHistory({ bug, seed, operations: 400, keys: 3, clients: 8 });
      const result = checkHistory(kvModel, buggy.operations);
      expect(result.result, buggy.description).toBe("illegal");
      const illegal = result.partitions.find((p) => p.result === "illegal");
      expect(illegal?.failedAt).toBeTypeOf("number");
      expect(illegal?.linearized.length).toBeLessThan(illegal?.operations.length ?? 0);
    },
  );

  it("answers unknown when the timeout runs out first", () => {
    const hard = generateKvHistory({ operations: 20_000, keys: 1, clients: 10, seed: 6 });
    const result = checkHistory(kvModel, hard, { timeoutMs: 1 });
    expect(result.result).toBe("unknown");
  });
});
