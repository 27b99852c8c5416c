// The determinism check: run a scenario twice with one seed and compare the traces. A mismatch means a
// failing seed would not replay, so the report points at the first divergent event and at the usual
// culprits, naming any node caught calling Math.random, Date.now or real timers.
import { describeViolation, type Violation } from "./guard.ts";
import { Simulator, type SimulatorOptions } from "./simulator.ts";

export type Scenario = (sim: Simulator) => void | Promise<void>;

export interface DeterminismReport {
  deterministic: boolean;
  seed: number;
  hashes: [string, string];
  eventCounts: [number, number];
  /** Index (0-based) of the first event that differs between the two runs, with both versions. */
  firstDifference?: { index: number; first: string | undefined; second: string | undefined };
  violations: Violation[];
  message: string;
}

export const LIKELY_CAUSES = [
  "Math.random() in node code instead of env.random()",
  "Date.now(), new Date() or performance.now() instead of env.now()",
  "real timers (setTimeout, setInterval, setImmediate) instead of env.setTimer()",
  "iterating a Set or Map whose insertion order depends on something outside the seed (object identity, real time, a previous run)",
  "state shared across runs: a module-level variable, a cache or a counter that the first run leaves behind",
];

export interface DeterminismOptions {
  name?: string;
  simulator?: Omit<SimulatorOptions, "seed" | "name">;
}

export async function checkDeterminism(
  scenario: Scenario,
  seed: number,
  options: DeterminismOptions = {},
): Promise<DeterminismReport> {
  const runs: Simulator[] = [];
  for (let run = 0; run < 2; run++) {
    const sim = new Simulator({
      guard: "record",
      ...options.simulator,
      seed,
      name: options.name ?? "determinism-check",
    });
    await scenario(sim);
    runs.push(sim);
  }
  const [first, second] = runs as [Simulator, Simulator];
  const hashes: [string, string] = [first.traceHash(), second.traceHash()];
  const violations = dedupe([...first.violations, ...second.violations]);
  const firstDifference =
    hashes[0] === hashes[1] ? undefined : findFirstDifference(first.traceLines(), second.traceLines());
  const deterministic = firstDifference === undefined && violations.length === 0;
  const report: DeterminismReport = {
    deterministic,
    seed,
    hashes,
    eventCounts: [first.traceLines().length, second.traceLines().length],
    violations,
    message: "",
  };
  if (firstDifference !== undefined) report.firstDifference = firstDifference;
  report.message = describeReport(report);
  return report;
}

/** Like checkDeterminism, but throws an Error carrying the report's message when the run does not replay. */
export async function assertDeterministic(
  scenario: Scenario,
  seed: number,
  options: DeterminismOptions = {},
): Promise<DeterminismReport> {
  const report = await checkDeterminism(scenario, seed, options);
  if (!report.deterministic) throw new Error(report.message);
  return report;
}

function findFirstDifference(a: readonly string[], b: readonly string[]): DeterminismReport["firstDifference"] {
  const length = Math.max(a.length, b.length);
  for (let index = 0; index < length; index++) {
    if (a[index] !== b[index]) return { index, first: a[index], second: b[index] };
  }
  return undefined;
}

function dedupe(violations: Violation[]): Violation[] {
  const seen = new Set<string>();
  return violations.filter((v) => {
    const key = `${v.node}\u0000${v.api}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describeReport(report: DeterminismReport): string {
  if (report.deterministic)
    return `seed ${report.seed} replays exactly (${report.eventCounts[0]} events, trace ${report.hashes[0].slice(0, 12)})`;
  const lines: string[] = [];
  const diff = report.firstDifference;
  if (diff !== undefined) {
    lines.push(
      `Not deterministic: seed ${report.seed} gave two different traces; the first difference is at event #${diff.index}.`,
    );
    lines.push(`  run 1: ${diff.first ?? "(trace ended)"}`);
    lines.push(`  run 2: ${diff.second ?? "(trace ended)"}`);
  } else {
    lines.push(
      `Not deterministic: seed ${report.seed} happened to give the same trace twice, but node code used a source of nondeterminism.`,
    );
  }
  if (report.violations.length > 0) {
    lines.push("Caught in node code:");
    for (const violation of report.violations) lines.push(`  - ${describeViolation(violation)}`);
  }
  lines.push("Likely causes:");
  for (const cause of LIKELY_CAUSES) lines.push(`  - ${cause}`);
  return lines.join("\n");
}
