// The key-value model: a map from string keys to string values, with get, put, append, delete and
// compare-and-set. Keys are independent, so a history is checked one key at a time and the state
// of a partition is just that key's value (null when absent).
//
//   {"op":"get","key":"a"}                                → {"value":"1"} or {"value":null}
//   {"op":"put","key":"a","value":"1"}                    → {}
//   {"op":"append","key":"a","value":"x"}                 → {}   (appending to a missing key creates it)
//   {"op":"delete","key":"a"}                             → {}
//   {"op":"cas","key":"a","expected":"1","value":"2"}     → {"ok":true} or {"ok":false}
//
// In cas, `expected: null` means "the key is absent": it succeeds only on a missing key.
import { hashText } from "../hashing.ts";
import type { Model, Operation, Partition } from "../model.ts";

export type KvInput =
  | { op: "get"; key: string }
  | { op: "put"; key: string; value: string }
  | { op: "append"; key: string; value: string }
  | { op: "delete"; key: string }
  | { op: "cas"; key: string; expected: string | null; value: string };

export type KvOutput = { value: string | null } | { ok: boolean } | Record<string, never> | null;

export type KvValue = string | null;

export type KvOperation = Operation<KvInput, KvOutput>;

const OPS = new Set(["get", "put", "append", "delete", "cas"]);

export const kvModel: Model<KvValue, KvInput, KvOutput> = {
  name: "kv",
  init: () => null,

  step(state, input, output) {
    switch (input.op) {
      case "get":
        return [output === null || (output as { value: KvValue }).value === state, state];
      case "put":
        return [true, input.value];
      case "append":
        return [true, (state ?? "") + input.value];
      case "delete":
        return [true, null];
      case "cas": {
        const matches = state === input.expected;
        if (output === null) return [true, matches ? input.value : state];
        return [(output as { ok: boolean }).ok === matches, matches ? input.value : state];
      }
    }
  },

  readOnly: (input, output) =>
    input.op === "get" || (input.op === "cas" && output !== null && !(output as { ok: boolean }).ok),

  equal: (a, b) => a === b,

  // The whole value: hashing only its end would give one hash to every order of the same recent
  // appends on different older prefixes, and the memo would crawl through the collisions. Reading
  // the end of a value built by appends costs as much anyway (V8 flattens the string first).
  hash: (state) => (state === null ? 0x2545f491 : hashText(state)),

  partition(history: readonly KvOperation[]): Partition[] {
    const byKey = new Map<string, number[]>();
    history.forEach((operation, index) => {
      const list = byKey.get(operation.input.key);
      if (list === undefined) byKey.set(operation.input.key, [index]);
      else list.push(index);
    });
    return [...byKey].map(([key, operations]) => ({ name: `key ${JSON.stringify(key)}`, operations }));
  },

  describeOperation(input, output) {
    const unknown = output === null ? " → ?" : "";
    switch (input.op) {
      case "get":
        return `get(${input.key})${output === null ? unknown : ` → ${show((output as { value: KvValue }).value)}`}`;
      case "put":
        return `put(${input.key}, ${show(input.value)})${unknown}`;
      case "append":
        return `append(${input.key}, ${show(input.value)})${unknown}`;
      case "delete":
        return `delete(${input.key})${unknown}`;
      case "cas":
        return `cas(${input.key}, ${show(input.expected)} → ${show(input.value)})${output === null ? unknown : (output as { ok: boolean }).ok ? " ✓" : " ✗"}`;
    }
  },

  describeState: (state) => (state === null ? "absent" : JSON.stringify(state)),

  validate(input, output, pending) {
    if (typeof input !== "object" || input === null) return "input must be an object";
    const { op, key } = input as Record<string, unknown>;
    if (typeof op !== "string" || !OPS.has(op))
      return `input.op must be one of get, put, append, delete, cas (got ${JSON.stringify(op)})`;
    if (typeof key !== "string") return `input.key must be a string`;
    const fields = input as Record<string, unknown>;
    if ((op === "put" || op === "append" || op === "cas") && typeof fields["value"] !== "string")
      return `input.value must be a string for ${op}`;
    if (op === "cas" && !(typeof fields["expected"] === "string" || fields["expected"] === null))
      return `input.expected must be a string or null for cas`;
    if (pending) return output === null || output === undefined ? undefined : "output must be null when return is null";
    if (typeof output !== "object" || output === null) return "output must be an object";
    const result = output as Record<string, unknown>;
    if (op === "get" && !(typeof result["value"] === "string" || result["value"] === null))
      return `output of get must be {"value": string | null}`;
    if (op === "cas" && typeof result["ok"] !== "boolean") return `output of cas must be {"ok": true | false}`;
    return undefined;
  },
};

function show(value: KvValue): string {
  if (value === null) return "∅";
  return value.length > 24 ? JSON.stringify(`…${value.slice(-23)}`) : JSON.stringify(value);
}
