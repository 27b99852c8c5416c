// Linearizability checking, the Porcupine way: Wing & Gong's search with Lowe's memoisation, one
// partition (e.g. one key) at a time.
//
// Each operation contributes a call entry and a return entry to a doubly linked list sorted by time.
// Intervals are inclusive: a happens before b only if a.return < b.call, so on equal times calls sort
// before returns (touching intervals overlap). The search is depth-first: the candidates of a level are
// the operations whose call entries come before the first remaining return entry; linearizing one
// (model.step) lifts both its entries out of the list; when no candidate fits, the operation of that
// return should already have taken effect, so the search backtracks. The memo remembers every (set of
// linearized operations, state) already explored, which prunes the exponential search down to the
// states concurrency really allows.
import type { CheckOptions, CheckResult, Model, Operation, Partition, PartitionResult, Verdict } from "./model.ts";
import { defaultStateEqual, defaultStateHash } from "./hashing.ts";
import { LinearizedSet } from "./linearized-set.ts";

export function checkHistory<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult {
  const started = performance.now();
  const deadline = options.timeoutMs === undefined ? Infinity : started + options.timeoutMs;
  const partitions: Partition[] = model.partition?.(history) ?? [{ name: "all", operations: history.map((_, i) => i) }];
  const results: PartitionResult[] = [];
  for (const partition of partitions) {
    if (performance.now() > deadline)
      results.push({ name: partition.name, result: "unknown", operations: partition.operations, linearized: [] });
    else results.push(checkPartition(model, history, partition, deadline));
  }
  return {
    result: combine(results),
    operations: history.length,
    elapsedMs: performance.now() - started,
    partitions: results,
  };
}

function combine(results: PartitionResult[]): Verdict {
  if (results.some((r) => r.result === "illegal")) return "illegal";
  if (results.some((r) => r.result === "unknown")) return "unknown";
  return "ok";
}

const HEAD = 0;
const NIL = -1;

/** Entry nodes: 1 + 2·op is the call of local operation `op`, 2 + 2·op its return; node 0 is the list head. */
function checkPartition<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  partition: Partition,
  deadline: number,
): PartitionResult {
  const returnTime = (index: number) => history[index]!.return ?? Infinity;
  // Local ids follow call order, which keeps the memo's linearized sets compact (see LinearizedSet).
  const order = partition.operations
    .slice()
    .sort((a, b) => history[a]!.call - history[b]!.call || returnTime(a) - returnTime(b) || a - b);
  const n = order.length;
  const inputs: I[] = new Array<I>(n);
  const outputs: O[] = new Array<O>(n);
  const pending = new Uint8Array(n);
  const returns = new Int32Array(n);
  const returnAt = new Float64Array(n);
  const readOnly = new Uint8Array(n);
  for (let op = 0; op < n; op++) {
    const operation = history[order[op]!]!;
    readOnly[op] = model.readOnly?.(operation.input, operation.output) === true ? 1 : 0;
    inputs[op] = operation.input;
    outputs[op] = operation.output;
    pending[op] = operation.return === null ? 1 : 0;
    returnAt[op] = operation.return ?? Infinity;
    returns[op] = op;
  }
  returns.sort((a, b) => returnAt[a]! - returnAt[b]! || a - b);

  // Merge calls (already in time order) with returns; a call goes first on a tie.
  const next = new Int32Array(2 * n + 1);
  const prev = new Int32Array(2 * n + 1);
  let last = HEAD;
  const append = (node: number) => {
    next[last] = node;
    prev[node] = last;
    last = node;
  };
  for (let c = 0, r = 0; c < n || r < n;) {
    if (c < n && (r >= n || history[order[c]!]!.call <= returnAt[returns[r]!]!)) append(1 + 2 * c++);
    else append(2 + 2 * returns[r++]!);
  }
  next[last] = NIL;

  const step = model.step.bind(model);
  const hashState = model.hash?.bind(model) ?? defaultStateHash;
  const equal = model.equal?.bind(model) ?? defaultStateEqual;
  const linearized = new LinearizedSet<S>(n, equal);

  // A level is a linearized prefix (the stack) and its state; its candidates are tried in call order.
  // A read-only candidate (model.readOnly: a get, a failed cas) that is legal now is tried first and
  // alone: if any order completes the history from this level, moving that operation to the front
  // still does — every operation that returned before it was called is already in the prefix, it
  // leaves the state as it was, and it would have left any later state as it was too. This keeps
  // many clients reading one key from multiplying the orders of their reads.
  const stackOp = new Int32Array(n);
  const stackState: S[] = new Array<S>(n);
  // Each level's candidates, in trying order, are the slice tries[levelFrom[d], levelEnd[d]).
  let tries = new Int32Array(256);
  const levelFrom = new Int32Array(n + 1);
  const levelEnd = new Int32Array(n + 1);
  const levelNext = new Int32Array(n + 1);
  const levelReturn = new Int32Array(n + 1);
  const best = new Int32Array(n);
  let bestDepth = 0;
  let synced = 0;
  let bestState: S = model.init();
  let failedAt = -1;
  let candidates: number[] = [];

  let state = bestState;
  let depth = 0;
  let openLevel = true;
  let iterations = 0;
  let verdict: Verdict = "ok";

  for (;;) {
    if ((++iterations & 4095) === 0 && performance.now() > deadline) {
      verdict = "unknown";
      break;
    }
    if (openLevel) {
      openLevel = false;
      if (next[HEAD] === NIL) break; // every operation is linearized
      const from = depth === 0 ? 0 : levelEnd[depth - 1]!;
      let end = from;
      let node = next[HEAD]!;
      for (; (node & 1) === 1; node = next[node]!) {
        if (end === tries.length) tries = grow(tries);
        tries[end++] = (node - 1) >> 1;
      }
      const returning = (node - 2) >> 1;
      if (pending[returning] === 1) break; // only operations with unknown outcome remain: they may never happen
      const readOnlyOp = readOnlyCandidate(tries, from, end, state, readOnly, inputs, outputs, step, equal);
      if (readOnlyOp !== NIL) {
        tries[from] = readOnlyOp;
        end = from + 1;
      }
      levelFrom[depth] = levelNext[depth] = from;
      levelEnd[depth] = end;
      levelReturn[depth] = node;
    }

    let chosen = NIL;
    let chosenState = state;
    for (let i = levelNext[depth]!; i < levelEnd[depth]! && chosen === NIL; i++) {
      const op = tries[i]!;
      const [ok, newState] = step(state, inputs[op]!, outputs[op]!);
      if (ok && linearized.addIfNew(op, newState, hashState(newState))) {
        chosen = op;
        chosenState = newState;
        levelNext[depth] = i + 1;
      }
    }
    if (chosen !== NIL) {
      stackOp[depth] = chosen;
      stackState[depth] = state;
      depth++;
      state = chosenState;
      lift(next, prev, 1 + 2 * chosen);
      if (depth > bestDepth) {
        for (let i = synced; i < depth; i++) best[i] = stackOp[i]!;
        synced = bestDepth = depth;
        bestState = state;
        failedAt = -1;
      }
      openLevel = true;
      continue;
    }

    // A dead level: backtrack to the one before and try its next candidate.
    if (depth === bestDepth && failedAt === -1) {
      failedAt = (levelReturn[depth]! - 2) >> 1;
      candidates = callsBefore(next, levelReturn[depth]!);
    }
    if (depth === 0) {
      verdict = "illegal";
      break;
    }
    depth--;
    const op = stackOp[depth]!;
    state = stackState[depth]!;
    stackState[depth] = undefined as S;
    if (synced > depth) synced = depth;
    linearized.remove(op);
    unlift(next, prev, 1 + 2 * op);
  }

  const toHistory = (op: number) => order[op]!;
  const result: PartitionResult = {
    name: partition.name,
    result: verdict,
    operations: partition.operations,
    linearized: Array.from(best.subarray(0, bestDepth), toHistory),
  };
  if (verdict === "illegal") {
    result.failedAt = toHistory(failedAt);
    result.candidates = candidates.map(toHistory);
    result.stateAfterPrefix = model.describeState?.(bestState) ?? JSON.stringify(bestState);
  }
  return result;
}

/** A read-only candidate among tries[from, end) that is legal in `state`, or NIL. */
function readOnlyCandidate<S, I, O>(
  tries: Int32Array,
  from: number,
  end: number,
  state: S,
  readOnly: Uint8Array,
  inputs: I[],
  outputs: O[],
  step: (state: S, input: I, output: O) => [boolean, S],
  equal: (a: S, b: S) => boolean,
): number {
  for (let i = from; i < end; i++) {
    const op = tries[i]!;
    if (readOnly[op] === 0) continue;
    const [ok, newState] = step(state, inputs[op]!, outputs[op]!);
    if (ok && (newState === state || equal(newState, state))) return op;
  }
  return NIL;
}

function grow(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}

/** Removes a call entry and its return entry from the list; they keep their own links for unlift. */
function lift(next: Int32Array, prev: Int32Array, call: number): void {
  const ret = call + 1;
  const afterCall = next[call]!;
  next[prev[call]!] = afterCall;
  if (afterCall !== NIL) prev[afterCall] = prev[call]!;
  const afterReturn = next[ret]!;
  next[prev[ret]!] = afterReturn;
  if (afterReturn !== NIL) prev[afterReturn] = prev[ret]!;
}

/** Puts back what lift removed, in reverse order. */
function unlift(next: Int32Array, prev: Int32Array, call: number): void {
  const ret = call + 1;
  next[prev[ret]!] = ret;
  if (next[ret] !== NIL) prev[next[ret]!] = ret;
  next[prev[call]!] = call;
  if (next[call] !== NIL) prev[next[call]!] = call;
}

/** Local ids of the operations whose call entries precede `stop` in the list. */
function callsBefore(next: Int32Array, stop: number): number[] {
  const ops: number[] = [];
  for (let node = next[HEAD]!; node !== stop && node !== NIL; node = next[node]!)
    if ((node & 1) === 1) ops.push((node - 1) >> 1);
  return ops;
}
