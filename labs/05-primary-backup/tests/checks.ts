// Judging what the clients saw: linearizability of a history with the kit's checker (a failing history
// comes with its explanation and an HTML timeline), acknowledged writes that a read no longer shows, and
// reads older than a write that had completed before they began.
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkHistory, kvModel, renderHistoryHtml, type CheckResult, type KvOperation } from "@distlab/kit/check";
import { describeOp, type Invocation } from "./system.ts";

/** How long the checker may search one history before it answers "unknown". */
const CHECK_TIMEOUT_MS = 20_000;

export function checkLinearizable(history: KvOperation[]): CheckResult {
  return checkHistory(kvModel, history, { timeoutMs: CHECK_TIMEOUT_MS });
}

/** Why a history is not linearizable, in the checker's words, plus where its timeline was written. */
export function explainIllegal(history: KvOperation[], result: CheckResult, name: string): string {
  const lines: string[] = [];
  const show = (index: number) => {
    const op = history[index]!;
    const when = `client ${op.client}, ${op.call}..${op.return ?? "?"}`;
    return `${kvModel.describeOperation!(op.input, op.output)} (${when})`;
  };
  for (const partition of result.partitions.filter((p) => p.result === "illegal")) {
    lines.push(
      `${partition.name}: no order of its ${partition.operations.length} operations explains what clients saw.`,
    );
    const prefix = partition.linearized.slice(-6);
    if (prefix.length > 0) lines.push(`  longest explainable prefix ends with: ${prefix.map(show).join("; ")}`);
    lines.push(`  state after it: ${partition.stateAfterPrefix ?? "?"}`);
    if (partition.failedAt !== undefined) lines.push(`  then this cannot take effect: ${show(partition.failedAt)}`);
  }
  const file = join(process.env["DISTLAB_TRACE_DIR"] ?? join(tmpdir(), "distlab-traces"), `${slug(name)}-history.html`);
  try {
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, renderHistoryHtml(kvModel, history, result, { title: name }));
    lines.push(`  timeline: ${file}`);
  } catch (error) {
    lines.push(`  (could not write the timeline: ${(error as Error).message})`);
  }
  return lines.join("\n");
}

/** Fails with the checker's explanation unless the history is linearizable. */
export function assertLinearizable(history: KvOperation[], name: string): void {
  const result = checkLinearizable(history);
  if (result.result === "ok") return;
  if (result.result === "unknown")
    throw new Error(`the checker could not decide within ${CHECK_TIMEOUT_MS} ms on ${history.length} operations`);
  throw new Error(`not linearizable:\n${explainIllegal(history, result, name)}`);
}

/** Acknowledged appends that a final value does not show, for keys written by appends only. */
export function lostAppends(invocations: Invocation[], finalValues: Record<string, string | null>): string[] {
  const lost: string[] = [];
  for (const [key, value] of Object.entries(finalValues)) {
    const writes = invocations.filter((i) => i.op.key === key && i.op.op !== "get" && i.result !== null);
    if (writes.some((write) => write.op.op !== "append")) continue;
    for (const write of writes) {
      if (write.op.op === "append" && !(value ?? "").includes(write.op.value)) lost.push(describeOp(write.op));
    }
  }
  return lost;
}

/**
 * Reads that returned a value older than a write that had completed before they began: the value's own
 * write had finished before another write to the key started, and that other write had finished before
 * the read was invoked. The workload writes with puts of distinct values and never deletes.
 */
export function staleReads(invocations: Invocation[]): Invocation[] {
  const puts = invocations.filter((i) => i.op.op === "put");
  return invocations.filter((read) => {
    if (read.op.op !== "get" || read.result === null) return false;
    const value = (read.result as { value: string | null }).value;
    const mine = puts.filter((w) => w.op.key === read.op.key);
    const overwrittenBefore = (source: Invocation | undefined) =>
      mine.some(
        (later) =>
          later.return !== null &&
          later.return < read.call &&
          (source === undefined || (source.return !== null && source.return < later.call)),
      );
    if (value === null) return overwrittenBefore(undefined);
    return overwrittenBefore(mine.find((w) => w.op.op === "put" && w.op.value === value));
  });
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 60) || "history"
  );
}
