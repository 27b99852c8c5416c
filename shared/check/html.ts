// A history as a self-contained HTML page: one row per client, each operation a bar from its call to
// its return. For an illegal history the longest linearizable prefix is green and numbered in
// linearization order, the operation at which it breaks is red, and a red line marks its return: the
// moment by which it should have taken effect. No external assets.
import type { CheckResult, Model, Operation, PartitionResult } from "./model.ts";

export interface HistoryHtmlOptions {
  title?: string;
  /** Largest number of operations drawn (default 3000); an illegal history shows those nearest its failure. */
  maxOperations?: number;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const STYLE = `
body { font: 13px/1.4 system-ui, sans-serif; margin: 1rem; color: #222; }
h1 { font-size: 1.15rem; } .verdict-ok { color: #1b5e20; } .verdict-illegal { color: #b71c1c; } .verdict-unknown { color: #e65100; }
.legend span { display: inline-block; padding: 0 .5rem; margin-right: .5rem; border-radius: 3px; }
.scroll { overflow-x: auto; border: 1px solid #ddd; }
.lanes { position: relative; }
.lane { position: absolute; left: 0; height: 26px; border-bottom: 1px dashed #eee; width: 100%; }
.lane-label { position: sticky; left: 0; background: #fff; padding: 0 .3rem; font-weight: 600; z-index: 3; display: inline-block; }
.op { position: absolute; height: 20px; top: 3px; border-radius: 3px; font-size: 11px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; padding: 0 3px; box-sizing: border-box; background: #cfd8dc; border: 1px solid #90a4ae; }
.op.prefix { background: #c8e6c9; border-color: #43a047; } .op.failed { background: #ef9a9a; border: 2px solid #b71c1c; font-weight: 700; z-index: 2; }
.op.candidate { background: #ffe0b2; border-color: #fb8c00; } .op.pending { border-style: dashed; }
.break { position: absolute; top: 0; bottom: 0; width: 2px; background: #d32f2f; z-index: 1; }
`;

export function renderHistoryHtml<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  result: CheckResult,
  options: HistoryHtmlOptions = {},
): string {
  const illegal = result.partitions.filter((p) => p.result === "illegal");
  const shown = chooseOperations(history, illegal, options.maxOperations ?? 3000);
  const roles = roleOf(illegal);
  const describe = (op: Operation<I, O>) =>
    model.describeOperation?.(op.input, op.output) ?? `${JSON.stringify(op.input)} → ${JSON.stringify(op.output)}`;

  const finite = (t: number | null, fallback: number) => (t === null ? fallback : t);
  const tMin = Math.min(...shown.map((i) => history[i]!.call));
  const tMax = Math.max(...shown.map((i) => finite(history[i]!.return, history[i]!.call)));
  const width = Math.min(40_000, Math.max(1200, shown.length * 25));
  const scale = width / Math.max(1, tMax - tMin + 1);
  const x = (t: number) => 60 + (t - tMin) * scale;
  const clients = [...new Set(shown.map((i) => history[i]!.client))].sort((a, b) => a - b);
  const laneOf = new Map(clients.map((c, lane) => [c, lane]));

  const bars = shown.map((i) => {
    const op = history[i]!;
    const end = finite(op.return, tMax);
    const role = roles.get(i);
    const classes = ["op", role?.kind ?? "", op.return === null ? "pending" : ""].filter(Boolean).join(" ");
    const label = `${role?.kind === "prefix" ? `#${role.order + 1} ` : ""}${describe(op)}`;
    const title = `${describe(op)}\nclient ${op.client} · call ${op.call} → return ${op.return ?? "unknown"}\n${roleText(role)}`;
    const style = `left:${x(op.call).toFixed(1)}px;width:${Math.max(4, (end - op.call + 1) * scale).toFixed(1)}px`;
    return `<div class="${classes}" style="${style};top:${laneOf.get(op.client)! * 26 + 3}px" title="${escapeHtml(title)}">${escapeHtml(label)}</div>`;
  });
  const lanes = clients.map(
    (c, lane) => `<div class="lane" style="top:${lane * 26}px"><span class="lane-label">c${c}</span></div>`,
  );
  const breaks = illegal
    .map((p) => history[p.failedAt ?? -1])
    .filter((op): op is Operation<I, O> => op !== undefined && op.return !== null)
    .map(
      (op) =>
        `<div class="break" style="left:${x(op.return as number).toFixed(1)}px" title="by here the red operation had to have taken effect"></div>`,
    );

  const title = options.title ?? "distlab check";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>
<h1>${escapeHtml(title)}: <span class="verdict-${result.result}">${result.result}</span></h1>
<p>${result.operations} operations in ${result.partitions.length} partition(s), checked in ${result.elapsedMs.toFixed(1)} ms.${shown.length < history.length ? ` Showing ${shown.length} of them.` : ""}</p>
${illegal.map((p) => explain(p, history, describe)).join("\n")}
<p class="legend"><span class="op prefix" style="position:static">longest linearizable prefix (#order)</span><span class="op failed" style="position:static">cannot be linearized</span><span class="op candidate" style="position:static">concurrent candidates at that point</span><span class="op" style="position:static">other</span></p>
<div class="scroll"><div class="lanes" style="width:${(width + 120).toFixed(0)}px;height:${clients.length * 26 + 4}px">
${lanes.join("\n")}
${breaks.join("\n")}
${bars.join("\n")}
</div></div></body></html>
`;
}

type Role = { kind: "prefix"; order: number; partition: string } | { kind: "failed" | "candidate"; partition: string };

function roleOf(illegal: PartitionResult[]): Map<number, Role> {
  const roles = new Map<number, Role>();
  for (const p of illegal) {
    p.linearized.forEach((op, order) => roles.set(op, { kind: "prefix", order, partition: p.name }));
    for (const op of p.candidates ?? []) roles.set(op, { kind: "candidate", partition: p.name });
    if (p.failedAt !== undefined) roles.set(p.failedAt, { kind: "failed", partition: p.name });
  }
  return roles;
}

function roleText(role: Role | undefined): string {
  if (role === undefined) return "";
  if (role.kind === "prefix") return `linearized #${role.order + 1} in ${role.partition}`;
  return role.kind === "failed"
    ? `cannot be linearized (${role.partition})`
    : `a candidate when the search got stuck (${role.partition})`;
}

function explain<I, O>(
  p: PartitionResult,
  history: readonly Operation<I, O>[],
  describe: (op: Operation<I, O>) => string,
): string {
  const failed = p.failedAt === undefined ? undefined : history[p.failedAt];
  const failure =
    failed === undefined
      ? ""
      : ` It breaks at <b>${escapeHtml(describe(failed))}</b> (client ${failed.client}, call ${failed.call}, return ${failed.return ?? "unknown"}): it had to take effect by its return, and no order of the operations concurrent with it allows that.`;
  return `<p><b>${escapeHtml(p.name)}</b>: the longest linearizable prefix has ${p.linearized.length} of ${p.operations.length} operations, leaving the state ${escapeHtml(p.stateAfterPrefix ?? "?")}.${failure}</p>`;
}

function chooseOperations<I, O>(
  history: readonly Operation<I, O>[],
  illegal: PartitionResult[],
  max: number,
): number[] {
  const pool = illegal.length > 0 ? illegal.flatMap((p) => p.operations) : history.map((_, i) => i);
  if (pool.length <= max) return pool;
  const failures = illegal.map((p) => history[p.failedAt ?? -1]?.call).filter((t): t is number => t !== undefined);
  if (failures.length === 0) return pool.slice(0, max);
  const distance = (i: number) => Math.min(...failures.map((t) => Math.abs(history[i]!.call - t)));
  return [...pool].sort((a, b) => distance(a) - distance(b)).slice(0, max);
}
