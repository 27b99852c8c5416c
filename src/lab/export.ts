import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { listLabs, UsageError } from "./catalogue.ts";
import { editionFiles, release, type EditionFiles, type Release } from "./edition.ts";

/** The record an edition keeps of itself: what was released, and the hash of every file as exported. */
export const EDITION_MANIFEST = ".distlab-edition.json";

const editionManifest = z.object({
  through: z.string(),
  referenceThrough: z.string().nullable(),
  labs: z.array(z.string()),
  files: z.record(z.string(), z.string()),
});
type EditionManifest = z.infer<typeof editionManifest>;

export interface ExportOptions {
  /** The last lab released (an id, "02"); every lab by default. */
  through?: string;
  /** The last lab whose compiled reference is published; none by default. */
  referenceThrough?: string;
}

export interface ExportResult {
  dir: string;
  labs: string[];
  release: Release;
  /** Files written (all of them for a new edition; the new and changed ones for an update). */
  written: string[];
  /** Files an update left alone because the student changed them and the kit did not. */
  kept: string[];
}

const sha256 = (content: Buffer) => createHash("sha256").update(content).digest("hex");

/**
 * Writes a new student edition into an empty folder: the labs up to `through` (the kit runtime, the CLI,
 * each lab's starter, handout and visible tests, manifests without hidden groups), and the compiled
 * reference of the labs up to `referenceThrough`. No solution source and no hidden test leaves the kit.
 */
export async function exportStudentEdition(dir: string, options: ExportOptions = {}): Promise<ExportResult> {
  if (existsSync(dir) && (await readdir(dir)).length > 0) {
    throw new Error(`${dir} is not empty; export into a new folder so nothing of yours is overwritten`);
  }
  const labs = await listLabs();
  const chosen = release(labs, options.through, options.referenceThrough);
  const files = await editionFiles(labs, chosen);
  await writeFiles(dir, files, [...files.keys()]);
  await writeManifest(dir, chosen, files);
  return { dir, labs: releasedNames(files), release: chosen, written: [...files.keys()], kept: [] };
}

/**
 * Brings an existing student edition up to a later release: adds the newly released labs (and references),
 * and updates the kit's files, without touching any file the student changed. When the kit would have to
 * change such a file, it refuses before writing anything, and names the files.
 */
export async function updateStudentEdition(dir: string, options: ExportOptions = {}): Promise<ExportResult> {
  const previous = await readManifest(dir);
  const labs = await listLabs();
  const chosen = release(labs, options.through, options.referenceThrough ?? previous.referenceThrough ?? undefined);
  if (chosen.through < previous.through) {
    throw new UsageError(`${dir} already has the labs through ${previous.through}; an update never takes a lab away`);
  }
  const files = await editionFiles(labs, chosen);
  const plan = await planUpdate(dir, previous, files);
  if (plan.conflicts.length > 0) {
    throw new UsageError(
      `not updating ${dir}: the kit changed ${plan.conflicts.length} file(s) that were also changed there:\n` +
        plan.conflicts.map((path) => `  ${path}`).join("\n") +
        "\nmove those changes aside (or restore the files as exported), then update again",
    );
  }
  await writeFiles(dir, files, plan.write);
  for (const path of plan.remove) await rm(join(dir, path), { force: true });
  await writeManifest(dir, chosen, files);
  return { dir, labs: releasedNames(files), release: chosen, written: plan.write, kept: plan.kept };
}

interface UpdatePlan {
  write: string[];
  remove: string[];
  kept: string[];
  conflicts: string[];
}

/** For every file: write it, leave it (the student's version stands), or refuse (both sides changed it). */
async function planUpdate(dir: string, previous: EditionManifest, files: EditionFiles): Promise<UpdatePlan> {
  const plan: UpdatePlan = { write: [], remove: [], kept: [], conflicts: [] };
  const onDisk = async (path: string) =>
    existsSync(join(dir, path)) ? sha256(await readFile(join(dir, path))) : undefined;
  for (const [path, content] of files) {
    const now = await onDisk(path);
    const next = sha256(content);
    const exported = previous.files[path];
    if (now === next) continue;
    const untouched = now === exported;
    if (untouched || (exported === undefined && now === undefined)) plan.write.push(path);
    else if (exported === next) plan.kept.push(path);
    else plan.conflicts.push(path);
  }
  for (const [path, exported] of Object.entries(previous.files)) {
    if (files.has(path)) continue;
    if ((await onDisk(path)) === exported) plan.remove.push(path);
  }
  return plan;
}

async function writeFiles(dir: string, files: EditionFiles, paths: string[]): Promise<void> {
  for (const path of paths) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), files.get(path)!);
  }
}

/**
 * Records the release and the hash of every file as the kit wrote it (a file the student changed and the
 * kit did not keeps the same hash, so the next update still knows it is theirs).
 */
async function writeManifest(dir: string, chosen: Release, files: EditionFiles): Promise<void> {
  const hashes: Record<string, string> = {};
  for (const [path, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) hashes[path] = sha256(content);
  const manifest: EditionManifest = { ...chosen, labs: releasedNames(files), files: hashes };
  await writeFile(join(dir, EDITION_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

async function readManifest(dir: string): Promise<EditionManifest> {
  const path = join(dir, EDITION_MANIFEST);
  if (!existsSync(path)) {
    throw new UsageError(`${dir} has no ${EDITION_MANIFEST}: it is not a student edition exported by distlab export`);
  }
  const parsed = editionManifest.safeParse(JSON.parse(await readFile(path, "utf8")));
  if (!parsed.success) throw new UsageError(`${path} is damaged: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
}

function releasedNames(files: EditionFiles): string[] {
  const names = new Set<string>();
  for (const path of files.keys()) {
    const match = /^labs\/([^/]+)\/lab\.json$/.exec(path);
    if (match) names.add(match[1]!);
  }
  return [...names].sort();
}
