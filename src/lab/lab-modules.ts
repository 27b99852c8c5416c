import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError, UsageError, type Lab } from "./catalogue.ts";
import { labDirsEnv, labDirsFor, parsePrereqChoice } from "./prereqs.ts";
import { resolveTarget } from "./targets.ts";

/** A lab's demo or benchmark: the module its manifest names, under the lab's folder. */
export type LabModuleKind = "demo" | "bench";

/**
 * Loads the `demo` or `bench` export of the module a lab's manifest names. The module runs in this
 * process, so first the run's prerequisite map goes into the environment: its `@distlab/lab/...` imports
 * and the services it starts resolve like the lab's tests do. Returns the export and the target folder.
 */
export async function loadLabModule<T>(
  lab: Lab,
  kind: LabModuleKind,
  options: { target?: string; prereqs?: string },
): Promise<{ run: T; target: string }> {
  const file = lab.manifest[kind];
  if (!file)
    throw new UsageError(
      `lab ${lab.name} has no ${kind === "demo" ? "demo" : "benchmark"} (lab.json has no "${kind}")`,
    );
  const path = join(lab.labDir, file);
  if (!existsSync(path)) throw new ConfigError(`labs/${lab.name}/lab.json names ${kind} ${file}, which does not exist`);
  const targetName = options.target ?? (lab.hasSolutions ? "solutions" : "labs");
  const target = resolveTarget(lab, targetName);
  const map = await labDirsFor(lab, targetName, parsePrereqChoice(options.prereqs, lab));
  Object.assign(process.env, { DISTLAB_LAB: lab.name, DISTLAB_TARGET: target }, labDirsEnv(map));
  const loaded = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  if (typeof loaded[kind] !== "function") {
    throw new ConfigError(
      `labs/${lab.name}/${file} must export a function \`${kind}(options)\` (see course/authoring.md)`,
    );
  }
  return { run: loaded[kind] as T, target };
}
