import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { LABS_DIR, SOLUTIONS_DIR } from "./paths.ts";
import { ConfigError, UsageError } from "./errors.ts";
import { readManifest, type Manifest } from "./manifest.ts";

export { ConfigError, UsageError };

export interface Lab {
  manifest: Manifest;
  /** "01-kv": the folder name under labs/ and solutions/. */
  name: string;
  labDir: string;
  solutionDir: string;
  /** True in the instructor edition, where solutions/ and the hidden tests exist. */
  hasSolutions: boolean;
}

export async function listLabs(): Promise<Lab[]> {
  const names = existsSync(LABS_DIR)
    ? readdirSync(LABS_DIR)
        // A folder becomes a lab when it has a manifest; until then (a lab being written) it is ignored.
        .filter((name) => /^\d\d-[a-z0-9-]+$/.test(name) && existsSync(join(LABS_DIR, name, "lab.json")))
        .sort()
    : [];
  return Promise.all(
    names.map(async (name) => {
      const labDir = join(LABS_DIR, name);
      const manifest = await readManifest(join(labDir, "lab.json"));
      if (`${manifest.id}-${manifest.slug}` !== name) {
        throw new Error(
          `labs/${name}/lab.json says id ${manifest.id} and slug ${manifest.slug}; the folder must be named after them`,
        );
      }
      const solutionDir = join(SOLUTIONS_DIR, name);
      return { manifest, name, labDir, solutionDir, hasSolutions: existsSync(join(solutionDir, "src")) };
    }),
  );
}

/** Finds a lab by `01`, `1`, `kv` or `01-kv`; the error lists what exists. */
export async function findLab(query: string): Promise<Lab> {
  const labs = await listLabs();
  const wanted = query.trim().toLowerCase();
  const lab = labs.find(
    (candidate) =>
      candidate.name === wanted ||
      candidate.manifest.slug === wanted ||
      candidate.manifest.id === wanted.padStart(2, "0"),
  );
  if (!lab) {
    const known = labs.map((candidate) => candidate.name).join(", ") || "none";
    throw new UsageError(`no lab '${query}'; the labs are: ${known}`);
  }
  return lab;
}

/**
 * Refuses `--group` names that are not groups of the lab (only its visible ones unless `hidden`), naming
 * the groups there are.
 */
export function checkGroupNames(lab: Lab, names: readonly string[] | undefined, hidden: boolean): void {
  const known = lab.manifest.tests.filter((group) => hidden || !group.hidden).map((group) => group.name);
  const unknown = (names ?? []).filter((name) => !known.includes(name));
  if (unknown.length === 0) return;
  const quoted = (list: string[]) => list.map((name) => `"${name}"`).join(", ");
  throw new UsageError(
    `no ${hidden ? "" : "visible "}test group named ${quoted(unknown)}; the groups are: ${quoted(known)}`,
  );
}
