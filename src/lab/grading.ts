// Grading one submission, whatever it does: the report always comes out. A test runner that cannot
// start or crashes scores zero with the reason, instead of stopping with a stack trace.
import { isAbsolute } from "node:path";
import type { Lab } from "./catalogue.ts";
import { UsageError } from "./errors.ts";
import { describeIsolation, failedRun, runLabTests, runSandbox, type RunOptions, type RunResult } from "./runner.ts";
import { resolveTarget } from "./targets.ts";

export interface GradeOptions {
  /** The target as the user typed it: `labs`, `solutions` or a folder. */
  target: string;
  sandbox?: RunOptions["sandbox"];
  seed?: number;
  progress?: RunOptions["progress"];
}

/** The replay command a failing test prints: the target as typed, unless it is a path of this machine. */
export function replayCommand(lab: Lab, target: string): string {
  const shown = isAbsolute(target) ? "<your submission>" : target;
  return `npx distlab grade ${lab.manifest.id}${target === "labs" ? "" : ` --target ${shown}`}`;
}

/** Grades a target with the visible and hidden tests. Throws only for a usage mistake (no such folder, `--sandbox required` here). */
export async function gradeTarget(lab: Lab, options: GradeOptions): Promise<RunResult> {
  const support = runSandbox(options.sandbox);
  const groups = lab.manifest.tests;
  const target = resolveTarget(lab, options.target);
  try {
    return await runLabTests(lab, {
      target,
      hidden: true,
      progress: options.progress ?? "quiet",
      sandbox: options.sandbox,
      replayCommand: replayCommand(lab, options.target),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return failedRun(groups, `grading stopped: ${(error as Error).message}`, describeIsolation(support));
  }
}
