// The checker's vocabulary: a history is a list of completed operations, and a model is a handful of
// pure functions describing the sequential object the history should behave like. The checker knows
// nothing about KV stores; everything specific lives in a model (see models/kv.ts).

/** One client operation, with call and return times on a single monotonic clock (integers). */
export interface Operation<I = unknown, O = unknown> {
  client: number;
  call: number;
  /** null when the outcome is unknown (the client gave up): the operation may or may not have taken effect. */
  return: number | null;
  input: I;
  /** null when `return` is null. */
  output: O;
}

/** A group of operations the model says can be checked on their own (e.g. all operations on one key). */
export interface Partition {
  name: string;
  /** Indexes into the history. */
  operations: number[];
}

export interface Model<S = unknown, I = unknown, O = unknown> {
  name?: string;
  init(): S;
  /**
   * Applies `input` to `state` and says whether the object could have answered `output`. Must not
   * mutate `state`. An operation with an unknown outcome arrives with `output` null and should be
   * accepted with whatever effect it would have had.
   */
  step(state: S, input: I, output: O): [ok: boolean, newState: S];
  /**
   * True when the operation, with this output, leaves every state it is legal in unchanged (a read; a
   * compare-and-set that answered "no"). The checker then linearizes it as soon as it is legal instead
   * of searching where it goes. Optional: without it every operation is searched. Being read-only in
   * the current state is not enough: `delete` of a missing key changes nothing now but not later.
   */
  readOnly?(input: I, output: O): boolean;
  /** State equality for the memo; defaults to === for primitives, JSON comparison for objects. */
  equal?(a: S, b: S): boolean;
  /** A 32-bit hash of a state for the memo; defaults to a hash of its JSON. */
  hash?(state: S): number;
  /** Splits a history into independent parts (e.g. per key); defaults to one part. */
  partition?(history: readonly Operation<I, O>[]): Partition[];
  describeOperation?(input: I, output: O): string;
  describeState?(state: S): string;
  /** Checks one operation's input and output shape for the history parser: returns what is wrong, or undefined. */
  validate?(input: unknown, output: unknown, pending: boolean): string | undefined;
}

export type Verdict = "ok" | "illegal" | "unknown";

export interface PartitionResult {
  name: string;
  result: Verdict;
  /** Indexes into the history of this partition's operations. */
  operations: number[];
  /** The longest linearizable prefix found: history indexes in linearization order. */
  linearized: number[];
  /** For an illegal partition: the operation whose return was reached before it could take effect. */
  failedAt?: number;
  /** For an illegal partition: the operations that were candidates (called, not linearized) at that point. */
  candidates?: number[];
  /** For an illegal partition: the model state after the longest prefix, described. */
  stateAfterPrefix?: string;
}

export interface CheckResult {
  result: Verdict;
  operations: number;
  elapsedMs: number;
  partitions: PartitionResult[];
}

export interface CheckOptions {
  /** Give up after this many milliseconds and answer "unknown" (default: no limit). */
  timeoutMs?: number;
}
