import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import type { Lab } from "./catalogue.ts";

/**
 * Solution files mark what the starter replaces:
 *
 *     // @solution §2 "queue the frame and flush it"
 *     ...reference code...
 *     // @end
 *
 * becomes `return todo("TODO(lab01 §2): queue the frame and flush it — see labs/01-kv/README.md, step 2")`.
 * A line `// @starter <code>` is a comment in the solution and `<code>` in the starter.
 */
const BEGIN = /^(\s*)\/\/ @solution §(\d+) "([^"]+)"\s*$/;
const END = /^\s*\/\/ @end\s*$/;
const STARTER_ONLY = /^(\s*)\/\/ @starter (.*)$/;
const TODO_IMPORT = 'import { todo } from "@distlab/kit/service";';

export class MarkerError extends Error {}

export function starterText(lab: Lab, file: string, source: string): string {
  const out: string[] = [];
  let open: { line: number } | null = null;
  let replaced = false;
  source.split("\n").forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    const begin = BEGIN.exec(line);
    if (begin) {
      if (open) throw new MarkerError(`${where}: @solution inside the region opened on line ${open.line}`);
      open = { line: index + 1 };
      const [, indent, step, message] = begin;
      const hint = `TODO(lab${lab.manifest.id} §${step}): ${message} — see labs/${lab.name}/README.md, step ${step}`;
      out.push(`${indent}return todo(${JSON.stringify(hint)});`);
      replaced = true;
      return;
    }
    if (END.test(line)) {
      if (!open) throw new MarkerError(`${where}: @end without an @solution before it`);
      open = null;
      return;
    }
    if (line.includes("@solution") && !open) {
      throw new MarkerError(`${where}: malformed marker; write // @solution §N "what the student does"`);
    }
    if (open) return;
    const starterOnly = STARTER_ONLY.exec(line);
    out.push(starterOnly ? `${starterOnly[1]}${starterOnly[2]}` : line);
  });
  if (open)
    throw new MarkerError(
      `${file}: the @solution region opened on line ${(open as { line: number }).line} has no @end`,
    );
  if (replaced && !source.includes(TODO_IMPORT)) {
    const lastImport = out.findLastIndex((line) => line.startsWith("import ") || line.startsWith("} from "));
    out.splice(lastImport + 1, 0, TODO_IMPORT);
  }
  return out.join("\n");
}

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** What labs/NN/src/ should hold: every solution file, regions replaced by stubs. */
export async function expectedStarter(lab: Lab): Promise<Map<string, string>> {
  const source = join(lab.solutionDir, "src");
  const files = new Map<string, string>();
  for (const file of await filesUnder(source)) {
    const text = await readFile(join(source, file), "utf8");
    files.set(file, file.endsWith(".ts") ? starterText(lab, `solutions/${lab.name}/src/${file}`, text) : text);
  }
  return files;
}

/** Differences between labs/NN/src/ and what the solution generates: files to write and files to delete. */
export async function starterDrift(
  lab: Lab,
): Promise<{ changed: string[]; extra: string[]; expected: Map<string, string> }> {
  const expected = await expectedStarter(lab);
  const target = join(lab.labDir, "src");
  const present = await filesUnder(target);
  const changed: string[] = [];
  for (const [file, text] of expected) {
    const current = existsSync(join(target, file)) ? await readFile(join(target, file), "utf8") : null;
    if (current !== text) changed.push(file);
  }
  const extra = present.filter((file) => !expected.has(file));
  return { changed, extra, expected };
}

export async function writeStarter(lab: Lab): Promise<{ written: string[]; removed: string[] }> {
  const { changed, extra, expected } = await starterDrift(lab);
  const target = join(lab.labDir, "src");
  for (const file of changed) {
    await mkdir(dirname(join(target, file)), { recursive: true });
    await writeFile(join(target, file), expected.get(file)!);
  }
  for (const file of extra) await rm(join(target, file));
  return { written: changed, removed: extra };
}
