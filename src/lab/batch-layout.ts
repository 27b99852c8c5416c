// Finding the submissions in a class export: one folder per student, as a plain folder of folders,
// a Gradescope export (submission_<id>/ and submission_metadata.yml), a Moodle export
// ("<Full Name>_<id>_assignsubmission_file_/", often holding a zip) or a GitHub Classroom clone
// ("<assignment>-<username>/"). Each submission's code is the shallowest folder holding the lab's src/.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Lab } from "./catalogue.ts";

export interface Submission {
  /** Who it belongs to, as the gradebook names them. */
  student: string;
  /** The folder as exported. */
  folder: string;
  /** The folder holding the lab's src/, or undefined with `problem` saying why. */
  code: string | undefined;
  problem: string;
  /** A scratch folder the submission was unpacked into, to remove once it is graded. */
  scratch?: string;
}

const MOODLE = /^(.+?)_\d+_assignsubmission_[a-z]+_?$/;
const SEARCH_DEPTH = 3;

function directories(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "__MACOSX")
    .map((entry) => entry.name)
    .sort();
}

/** The shallowest folder under `dir` that holds src/ or <lab>/src/, breadth first. */
export function findCode(dir: string, lab: Lab): string | undefined {
  let level = [dir];
  for (let depth = 0; depth <= SEARCH_DEPTH && level.length > 0; depth++) {
    const found = level.find(
      (candidate) => existsSync(join(candidate, "src")) || existsSync(join(candidate, lab.name, "src")),
    );
    if (found) return found;
    level = level.flatMap((candidate) => directories(candidate).map((name) => join(candidate, name)));
  }
  return undefined;
}

/** A submission uploaded as one zip: unpacked into a scratch folder (unzip refuses paths leaving it). */
function unpackZip(folder: string): { dir: string | undefined; problem: string } {
  const zips = readdirSync(folder).filter((name) => name.toLowerCase().endsWith(".zip"));
  if (zips.length !== 1) return { dir: undefined, problem: "" };
  const dir = mkdtempSync(join(tmpdir(), "distlab-unzip-"));
  const result = spawnSync("unzip", ["-q", "-o", join(folder, zips[0]!), "-d", dir], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : result.stderr.trim().split("\n")[0];
    return { dir: undefined, problem: `cannot unpack ${zips[0]}: ${why}` };
  }
  return { dir, problem: "" };
}

/** Gradescope's submission_metadata.yml: submission folder → the submitters' names. */
function gradescopeNames(root: string): Map<string, string> {
  const names = new Map<string, string>();
  const file = join(root, "submission_metadata.yml");
  if (!existsSync(file)) return names;
  let current: string | undefined;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const key = /^(submission_\d+):\s*$/.exec(line);
    if (key) current = key[1];
    const name = /^\s+(?:-\s+)?:?name:\s*(.+?)\s*$/.exec(line);
    if (current && name && !names.has(current)) names.set(current, name[1]!.replace(/^["']|["']$/g, ""));
  }
  return names;
}

/** The prefix every folder shares up to a dash (GitHub Classroom's "<assignment>-"), or "". */
function sharedPrefix(names: string[]): string {
  if (names.length < 2) return "";
  let prefix = names[0]!;
  for (const name of names) while (!name.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const dash = prefix.lastIndexOf("-");
  return dash > 0 ? prefix.slice(0, dash + 1) : "";
}

function studentName(folder: string, prefix: string, gradescope: Map<string, string>): string {
  const moodle = MOODLE.exec(folder);
  if (moodle) return moodle[1]!;
  return gradescope.get(folder) ?? (prefix && folder.length > prefix.length ? folder.slice(prefix.length) : folder);
}

/** Every submission under `root`, with where its code is (or why none was found). */
export function findSubmissions(root: string, lab: Lab): Submission[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`--submissions ${root}: no such folder`);
  const folders = directories(root);
  const prefix = sharedPrefix(folders);
  const gradescope = gradescopeNames(root);
  const seen = new Map<string, number>();
  return folders.map((name) => {
    const folder = join(root, name);
    let student = studentName(name, prefix, gradescope);
    const count = (seen.get(student) ?? 0) + 1;
    seen.set(student, count);
    if (count > 1) student = `${student} (${count})`;
    const code = findCode(folder, lab);
    if (code) return { student, folder, code, problem: "" };
    const unpacked = unpackZip(folder);
    const inZip = unpacked.dir && findCode(unpacked.dir, lab);
    const problem = unpacked.problem || `no src/ folder (nor ${lab.name}/src/) in the submission`;
    return {
      student,
      folder,
      code: inZip,
      problem: inZip ? "" : problem,
      ...(unpacked.dir ? { scratch: unpacked.dir } : {}),
    };
  });
}
