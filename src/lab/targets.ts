import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { UsageError, type Lab } from "./catalogue.ts";

/**
 * Where the code under test lives: `labs` (the starter or the student's work), `solutions` (the
 * reference), or any folder holding the lab's src/. Tests never import it; they start its services.
 */
export function resolveTarget(lab: Lab, target = "labs"): string {
  if (target === "labs") return lab.labDir;
  if (target === "solutions") {
    if (!lab.hasSolutions) throw new UsageError(`there is no solutions/${lab.name} in this edition of the kit`);
    return lab.solutionDir;
  }
  const dir = isAbsolute(target) ? target : resolve(process.cwd(), target);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--target ${target}: no such folder`);
  for (const candidate of [dir, resolve(dir, lab.name)]) {
    if (existsSync(resolve(candidate, "src"))) return candidate;
  }
  throw new UsageError(`--target ${target}: it holds no src/ folder (nor ${lab.name}/src/) for lab ${lab.name}`);
}
