import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from "node:fs";
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

/**
 * Copies dir/src under .distlab/targets/, named by a hash of the path, names, sizes and modification times
 * of what it holds: a copy is never rewritten, so services started at the same time share it safely.
 */
export const STAGING_ROOT = join(KIT_ROOT, ".distlab", "targets");
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Removes staged copies that no run has used for `maxAgeMs` (each use refreshes a copy's time), so a term
 * of grading does not fill the disk; a copy in use by a run is recent and stays. Returns what it removed.
 */
export function cleanStagedTargets(root = STAGING_ROOT, maxAgeMs = DAY_MS, now = Date.now()): string[] {
  if (!existsSync(root)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    try {
      if (now - statSync(path).mtimeMs <= maxAgeMs) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // removed by another run meanwhile
    }
  }
  return removed;
}

/** Removes one staged copy (a batch removes each submission's copy once graded); other paths are refused. */
export function removeStagedTarget(dir: string, root = STAGING_ROOT): void {
  const rel = relative(root, dir);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel) || rel.includes("/")) return;
  rmSync(dir, { recursive: true, force: true });
}

export function stage(lab: Lab, dir: string, root = STAGING_ROOT): string {
  const source = join(dir, "src");
  const hash = createHash("sha256").update(dir);
  for (const entry of readdirSync(source, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || /(^|\/)node_modules(\/|$)/.test(entry.parentPath)) continue;
    const path = join(entry.parentPath, entry.name);
    const { size, mtimeMs } = statSync(path);
    hash.update(`${relative(source, path)}\0${size}\0${mtimeMs}\0`);
  }
  const staged = join(root, `${lab.name}-${hash.digest("hex").slice(0, 16)}`);
  if (existsSync(staged)) {
    const now = new Date();
    utimesSync(staged, now, now);
    return staged;
  }
  cleanStagedTargets(root);
  const scratch = `${staged}.${process.pid}.tmp`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  cpSync(source, join(scratch, "src"), { recursive: true, filter: (path) => !/(^|\/)node_modules(\/|$)/.test(path) });
  try {
    renameSync(scratch, staged);
  } catch (error) {
    // Another process staged the same content first: use its copy.
    rmSync(scratch, { recursive: true, force: true });
    if (!existsSync(staged)) throw error;
  }
  return staged;
}
