// What of the kit a sandboxed process may see. Submitted code needs the kit's runtime, the CLI that starts
// it, the dependencies and the student edition's labs; it must never see the reference solutions, the
// hidden tests, other submissions staged for grading, the repository's history, or caches that hold
// transformed test files.
import { existsSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const KIT_ROOT = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");

/** Top-level entries of the kit a sandbox shows; everything else (solutions/, .git, .distlab, course/) is absent. */
const VISIBLE_ENTRIES = ["bin", "src", "shared", "node_modules", "labs", "package.json", "tsconfig.json"];

/** Caches inside visible entries that hold transformed test files, hidden ones included. */
const HIDDEN_CACHES = [
  "node_modules/.vite",
  "node_modules/.vite-temp",
  "node_modules/.vitest-cache",
  "node_modules/.cache",
];

/**
 * Areas of the kit from which only a lab's `src/` may be shown (a prerequisite's reference, a staged target),
 * with the depth of that src/: solutions/<lab>/src, .distlab/<kind>/<name>/src.
 */
const SOURCE_ONLY_AREAS: Record<string, number> = { solutions: 2, ".distlab": 3 };

export interface KitView {
  /** Paths shown read-only at the same absolute path. */
  readOnly: string[];
  /** Paths inside shown ones that are covered by an empty folder. */
  hidden: string[];
}

function inside(parent: string, path: string): boolean {
  const rel = relative(parent, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * Turns the read-only paths a policy asks for into what the sandbox shows: the kit root becomes its
 * visible entries; a folder under solutions/ or .distlab/ becomes its src/ alone; anything else of the
 * kit that is not visible is left out. Paths outside the kit are shown as asked.
 */
export function kitView(requested: string[], kitRoot = KIT_ROOT): KitView {
  const readOnly = new Set<string>();
  for (const raw of requested) {
    const path = resolve(raw);
    if (path !== kitRoot && inside(path, kitRoot)) {
      throw new Error(`sandbox policy: ${path} contains the kit; ask for the kit (${kitRoot}) or paths inside it`);
    }
    if (!inside(kitRoot, path)) {
      readOnly.add(path);
      continue;
    }
    const rel = relative(kitRoot, path);
    if (rel === "") {
      for (const entry of VISIBLE_ENTRIES) if (existsSync(join(kitRoot, entry))) readOnly.add(join(kitRoot, entry));
      continue;
    }
    const segments = rel.split(sep);
    if (VISIBLE_ENTRIES.includes(segments[0]!)) {
      readOnly.add(path);
    } else if (segments[0]! in SOURCE_ONLY_AREAS) {
      const source = sourceFolder(path, segments, SOURCE_ONLY_AREAS[segments[0]!]!);
      if (source) readOnly.add(source);
    }
  }
  const hidden = HIDDEN_CACHES.map((cache) => join(kitRoot, cache)).filter(
    (cache) => existsSync(cache) && [...readOnly].some((shown) => inside(shown, cache)),
  );
  return { readOnly: [...readOnly], hidden };
}

/** The part of a folder under solutions/ or .distlab/ that may be shown: its src/, or itself when inside one. */
function sourceFolder(path: string, segments: string[], srcDepth: number): string | undefined {
  if (segments.length > srcDepth) return segments[srcDepth] === "src" ? path : undefined;
  if (segments.length < srcDepth) return undefined;
  const src = join(path, "src");
  return existsSync(src) ? src : undefined;
}
