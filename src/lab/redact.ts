// What a report may quote. Failure messages carry the submission's own output (a service's last lines,
// an error it threw), and a submission can try to smuggle things through them: the text of hidden
// tests, the grader's secrets. Every quoted message goes through here: paths of the grading machine
// become placeholders, secret-looking environment values are masked, lines of hidden tests are
// withheld, and the whole is bounded.
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { Lab } from "./catalogue.ts";
import { KIT_ROOT } from "./paths.ts";

export const MESSAGE_LIMIT = 1500;
/** Hidden-test lines shorter than this are too common ("});", "expect(x).toBe(1);") to be telling. */
const TELLING_LINE = 24;
const SECRET_NAME = /TOKEN|SECRET|PASSW|KEY|CREDENTIAL|AUTH|COOKIE|SESSION/i;

export interface Redactor {
  (text: string): string;
}

function testFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.[cm]?[jt]s$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

function lines(files: string[]): Set<string> {
  const found = new Set<string>();
  for (const file of files) for (const line of readFileSync(file, "utf8").split("\n")) found.add(line.trim());
  return found;
}

/** The telling lines of a lab's hidden tests (those not also in its visible tests), and their file names. */
export function hiddenMaterial(lab: Lab): { lines: string[]; fileNames: string[] } {
  const hidden = testFiles(join(lab.solutionDir, "tests"));
  const visible = lines(testFiles(join(lab.labDir, "tests")));
  const telling = [...lines(hidden)].filter((line) => line.length >= TELLING_LINE && !visible.has(line));
  const visibleNames = new Set(testFiles(join(lab.labDir, "tests")).map((file) => basename(file)));
  return { lines: telling, fileNames: hidden.map((file) => basename(file)).filter((name) => !visibleNames.has(name)) };
}

/** Values of the grader's environment that look like secrets. */
export function secretValues(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value !== undefined && value.length >= 6)
    .map(([, value]) => value!);
}

function replaceAll(text: string, find: string, by: string): string {
  return find ? text.split(find).join(by) : text;
}

export interface RedactionSources {
  hiddenLines: string[];
  hiddenFileNames: string[];
  secrets: string[];
  /** Absolute paths to replace, longest first, with what replaces them. */
  paths: [string, string][];
}

export function makeRedactor(sources: RedactionSources): Redactor {
  const paths = [...sources.paths].filter(([path]) => path.length > 1).sort((a, b) => b[0].length - a[0].length);
  return (text: string) => {
    let result = text;
    for (const secret of sources.secrets) result = replaceAll(result, secret, "[redacted]");
    result = result
      .split("\n")
      .map((line) =>
        sources.hiddenLines.some((hidden) => line.includes(hidden)) ? "[withheld: text of a hidden test]" : line,
      )
      .join("\n");
    for (const name of sources.hiddenFileNames) result = replaceAll(result, name, "<hidden test file>");
    for (const [path, placeholder] of paths) result = replaceAll(result, path, placeholder);
    return result.length > MESSAGE_LIMIT ? `${result.slice(0, MESSAGE_LIMIT)}\n… (cut)` : result;
  };
}

/** The redactor of one grading run: the lab's hidden tests, the grader's secrets, the machine's paths. */
export function redactorFor(lab: Lab, target: string): Redactor {
  const hidden = lab.hasSolutions ? hiddenMaterial(lab) : { lines: [], fileNames: [] };
  return makeRedactor({
    hiddenLines: hidden.lines,
    hiddenFileNames: hidden.fileNames,
    secrets: secretValues(),
    paths: [
      [target, "<submission>"],
      [KIT_ROOT, "<kit>"],
      [tmpdir(), "<tmp>"],
      [dirname(realpathSync(process.execPath)), "<node>"],
      ...(process.env.HOME ? ([[process.env.HOME, "~"]] as [string, string][]) : []),
    ],
  });
}
