import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { UsageError, type Lab } from "./catalogue.ts";
import { KIT_ROOT } from "./paths.ts";

/**
 * Where the code under test lives: `labs` (the starter or the student's work), `solutions` (the
 * reference), or any folder holding the lab's src/. Tests never import it; they start its services.
 *
 * A folder outside the kit is copied under .distlab/targets/ first: there its TypeScript loads as ES
 * modules and resolves the kit's packages, and grading writes nothing into the submission.
 */
export function resolveTarget(lab: Lab, target = "labs"): string {
  if (target === "labs") return lab.labDir;
  if (target === "solutions") {
    if (!lab.hasSolutions) throw new UsageError(`there is no solutions/${lab.name} in this edition of the kit`);
    return lab.solutionDir;
  }
  const dir = isAbsolute(target) ? target : resolve(process.cwd(), target);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--target ${target}: no such folder`);
  const found = [dir, resolve(dir, lab.name)].find((candidate) => existsSync(resolve(candidate, "src")));
  if (!found)
    throw new UsageError(`--target ${target}: it holds no src/ folder (nor ${lab.name}/src/) for lab ${lab.name}`);
  return insideKit(found) ? found : stage(lab, found);
}

function insideKit(dir: string): boolean {
  const rel = relative(KIT_ROOT, dir);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

function stage(lab: Lab, dir: string): string {
  const id = createHash("sha256").update(dir).digest("hex").slice(0, 12);
  const staged = join(KIT_ROOT, ".distlab", "targets", `${lab.name}-${id}`);
  rmSync(staged, { recursive: true, force: true });
  mkdirSync(staged, { recursive: true });
  cpSync(join(dir, "src"), join(staged, "src"), {
    recursive: true,
    filter: (path) => !/(^|\/)node_modules(\/|$)/.test(path),
  });
  return staged;
}
