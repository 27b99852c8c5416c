// Grading one submission, whatever it does: the report always comes out. A test runner that cannot
// start or crashes scores zero with the reason, instead of stopping with a stack trace.
import { isAbsolute, resolve } from "node:path";
import { findCode } from "./batch-layout.ts";
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
  /** Only these test groups (by name), e.g. to regrade one; every group when absent. */
  groups?: string[];
}

/**
 * The folder holding the lab's code: the target itself, or the shallowest folder under it holding src/
 * (an upload of a whole repository, or of a folder inside a folder); undefined when there is none.
 * A target that does not exist at all is a usage error.
 */
function locateCode(lab: Lab, target: string): string | undefined {
  try {
    return resolveTarget(lab, target);
  } catch (error) {
    if (!(error instanceof UsageError) || !/holds no src\//.test(error.message)) throw error;
    const found = findCode(resolve(target), lab);
    return found === undefined ? undefined : resolveTarget(lab, found);
  }
}

/** The replay command a failing test prints: the target as typed, unless it is a path of this machine. */
export function replayCommand(lab: Lab, target: string): string {
  const shown = isAbsolute(target) ? "<your submission>" : target;
  return `npx distlab grade ${lab.manifest.id}${target === "labs" ? "" : ` --target ${shown}`}`;
}

/** Grades a target with the visible and hidden tests. Throws only for a usage mistake (no such folder, `--sandbox required` here). */
export async function gradeTarget(lab: Lab, options: GradeOptions): Promise<RunResult> {
  const support = runSandbox(options.sandbox);
  const groups = options.groups
    ? lab.manifest.tests.filter((group) => options.groups!.includes(group.name))
    : lab.manifest.tests;
  const target = locateCode(lab, options.target);
  if (target === undefined)
    return failedRun(groups, `no src/ folder (nor ${lab.name}/src/) in the submission`, describeIsolation(support));
  try {
    return await runLabTests(lab, {
      target,
      hidden: true,
      progress: options.progress ?? "quiet",
      sandbox: options.sandbox,
      replayCommand: replayCommand(lab, options.target),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.groups ? { groups: options.groups } : {}),
    });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return failedRun(groups, `grading stopped: ${(error as Error).message}`, describeIsolation(support));
  }
}
