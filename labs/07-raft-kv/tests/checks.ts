// Judging what the clerks saw: linearizability of the history with the kit's checker (a failing history
// comes with the checker's explanation and an HTML timeline), and acknowledged appends that the final
// values no longer show, or show twice.
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { checkHistory, renderHistoryHtml, type CheckResult } from "@distlab/kit/check";
import { describeOp, type Invocation } from "./cluster.ts";
import { versionedKvModel, type HistoryOp } from "./model.ts";

/** How long the checker may search one history before it answers "unknown". */
const CHECK_TIMEOUT_MS = 20_000;

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 60) || "history"
  );
}

/** Why a history is not linearizable, in the checker's words, plus where its timeline was written. */
export function explainIllegal(history: HistoryOp[], result: CheckResult, name: string): string {
  const lines: string[] = [];
  const show = (index: number) => {
    const op = history[index]!;
    return `${versionedKvModel.describeOperation!(op.input, op.output)} (clerk ${op.client + 1}, ${op.call}..${op.return ?? "?"})`;
  };
  for (const partition of result.partitions.filter((p) => p.result === "illegal")) {
    lines.push(
      `${partition.name}: no order of its ${partition.operations.length} operations explains what the clerks saw.`,
    );
    const prefix = partition.linearized.slice(-6);
    if (prefix.length > 0) lines.push(`  longest explainable prefix ends with: ${prefix.map(show).join("; ")}`);
    lines.push(`  state after it: ${partition.stateAfterPrefix ?? "?"}`);
    if (partition.failedAt !== undefined) lines.push(`  then this cannot take effect: ${show(partition.failedAt)}`);
  }
  const file = join(process.env["DISTLAB_TRACE_DIR"] ?? join(tmpdir(), "distlab-traces"), `${slug(name)}-history.html`);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, renderHistoryHtml(versionedKvModel, history, result, { title: name }));
    lines.push(`  timeline: ${file}`);
  } catch (error) {
    lines.push(`  (could not write the timeline: ${(error as Error).message})`);
  }
  return lines.join("\n");
}

/** Fails with the checker's explanation unless the history is linearizable. */
export function assertLinearizable(history: HistoryOp[], name: string): void {
  const result = checkHistory(versionedKvModel, history, { timeoutMs: CHECK_TIMEOUT_MS });
  if (result.result === "ok") return;
  if (result.result === "unknown")
    throw new Error(`the checker could not decide within ${CHECK_TIMEOUT_MS} ms on ${history.length} operations`);
  throw new Error(`not linearizable:\n${explainIllegal(history, result, name)}`);
}

/**
 * For keys written by appends only: every acknowledged append must show in the final value exactly once
 * (an append whose answer was lost may show once or not at all). Returns what is wrong, one line each.
 */
export function appendProblems(invocations: Invocation[], finals: Record<string, string | null>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(finals)) {
    const writes = invocations.filter((i) => i.op.key === key && i.op.op !== "get");
    if (writes.some((write) => write.op.op !== "append")) continue;
    for (const write of writes) {
      if (write.op.op !== "append") continue;
      const times = (value ?? "").split(write.op.value).length - 1;
      if (write.result !== null && times === 0) problems.push(`acknowledged ${describeOp(write.op)} is lost`);
      if (times > 1) problems.push(`${describeOp(write.op)} took effect ${times} times`);
    }
  }
  return problems;
}
