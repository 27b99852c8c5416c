// The sequential object the store should behave like, for the linearizability checker: a map of keys to
// values with versions (Lab 01's semantics, Lab 05's operations). Keys are independent, so a history is
// checked one key at a time. The version written by a write whose answer was lost is "unknown": reads and
// refusals then check the value only, until a write with a known version follows. Versions only grow.
import type { Model, Operation, Partition } from "@distlab/kit/check";
import type { Operation as KvOp, Result } from "../src/messages.ts";

/** The key's value and version: version null when the key is absent, "unknown" when a write's answer was lost. */
export interface KeyState {
  value: string | null;
  version: number | null | "unknown";
}

export type HistoryOp = Operation<KvOp, Result | null>;

const ABSENT: KeyState = { value: null, version: null };

/** Whether a write conditioned on `ifMatch` could go ahead: "maybe" when the version is unknown. */
function conditionHolds(state: KeyState, ifMatch: number | undefined): boolean | "maybe" {
  if (ifMatch === undefined) return true;
  if (state.value === null) return false;
  return state.version === "unknown" ? "maybe" : state.version === ifMatch;
}

/** A new version must be newer than the one it replaces, when that one is known. */
function newer(state: KeyState, version: number): boolean {
  return typeof state.version !== "number" || version > state.version;
}

/** A refused write: the key's version was not the expected one; what the refusal says must fit. */
function stepMismatch(state: KeyState, ifMatch: number | undefined, current: number | null): [boolean, KeyState] {
  if (ifMatch === undefined || conditionHolds(state, ifMatch) === true) return [false, state];
  if (state.value === null) return [current === null, state];
  if (state.version === "unknown") return [current !== null, state];
  return [current === state.version, state];
}

function stepWrite(state: KeyState, input: KvOp, output: Result | null): [boolean, KeyState] {
  const ifMatch = input.op === "put" || input.op === "delete" ? input.ifMatch : undefined;
  if (output !== null && "mismatch" in output) return stepMismatch(state, ifMatch, output.mismatch);
  if (input.op === "delete") {
    if (output === null) return [true, conditionHolds(state, ifMatch) === false ? state : ABSENT];
    if (!("deleted" in output)) return [false, state];
    return [output.deleted === (state.value !== null) && conditionHolds(state, ifMatch) !== false, ABSENT];
  }
  const value = input.op === "append" ? (state.value ?? "") + input.value : (input as { value: string }).value;
  if (output === null) return [true, conditionHolds(state, ifMatch) === false ? state : { value, version: "unknown" }];
  if (!("version" in output) || typeof output.version !== "number") return [false, state];
  return [conditionHolds(state, ifMatch) !== false && newer(state, output.version), { value, version: output.version }];
}

export const versionedKvModel: Model<KeyState, KvOp, Result | null> = {
  name: "versioned kv",
  init: () => ABSENT,

  step(state, input, output) {
    if (input.op !== "get") return stepWrite(state, input, output);
    if (output === null) return [true, state];
    if (!("value" in output)) return [false, state];
    const { value, version } = output;
    if (value !== state.value) return [false, state];
    if (state.version === "unknown") return [(version === null) === (value === null), state];
    return [version === state.version, state];
  },

  // A read, and a write refused for its version, change nothing: the checker places them as soon as legal.
  readOnly: (input, output) => output !== null && (input.op === "get" || "mismatch" in output),

  equal: (a, b) => a.value === b.value && a.version === b.version,

  partition(history: readonly HistoryOp[]): Partition[] {
    const byKey = new Map<string, number[]>();
    history.forEach((operation, index) => {
      const list = byKey.get(operation.input.key);
      if (list === undefined) byKey.set(operation.input.key, [index]);
      else list.push(index);
    });
    return [...byKey].map(([key, operations]) => ({ name: `key ${JSON.stringify(key)}`, operations }));
  },

  describeOperation(input, output) {
    const condition = "ifMatch" in input && input.ifMatch !== undefined ? ` if v${input.ifMatch}` : "";
    const call =
      input.op === "get" || input.op === "delete"
        ? `${input.op}(${input.key}${condition})`
        : `${input.op}(${input.key}, ${JSON.stringify(input.value)}${condition})`;
    return `${call} → ${describeResult(output)}`;
  },

  describeState: (state) =>
    state.value === null
      ? "absent"
      : `${JSON.stringify(state.value)} at v${state.version === "unknown" ? "?" : state.version}`,
};

export function describeResult(result: Result | null): string {
  if (result === null) return "?";
  if ("mismatch" in result)
    return `version mismatch (now ${result.mismatch === null ? "absent" : `v${result.mismatch}`})`;
  if ("deleted" in result) return result.deleted ? "deleted" : "not there";
  if ("value" in result) return result.value === null ? "absent" : `${JSON.stringify(result.value)} v${result.version}`;
  return `v${result.version}`;
}
