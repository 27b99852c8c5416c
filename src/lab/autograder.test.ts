// The Gradescope autograder as Gradescope would use it: the zip unpacked, run_autograder run on a
// submission, with DISTLAB_AUTOGRADER_ROOT standing in for /autograder.
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { autograderEntries } from "./autograder.ts";
import { findLab, listLabs } from "./catalogue.ts";
import { KIT_ROOT } from "./paths.ts";
import { zip } from "./zip.ts";

const root = mkdtempSync(join(tmpdir(), "distlab-autograder-test-"));
const source = join(root, "source");
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  const lab = await findLab("04");
  writeFileSync(join(root, "autograder.zip"), zip(autograderEntries(lab, await listLabs(), "auto")));
  execFileSync("unzip", ["-q", join(root, "autograder.zip"), "-d", source]);
  // Gradescope's setup.sh would run npm ci here; the kit's own dependencies stand in for it.
  symlinkSync(join(KIT_ROOT, "node_modules"), join(source, "node_modules"));
});

function runAutograder(files: Record<string, string>): {
  results: { score: number; tests: { name: string; output: string }[] };
  text: string;
} {
  rmSync(join(root, "submission"), { recursive: true, force: true });
  rmSync(join(root, "results"), { recursive: true, force: true });
  mkdirSync(join(root, "submission"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, "submission", path, ".."), { recursive: true });
    writeFileSync(join(root, "submission", path), text);
  }
  const run = spawnSync(join(source, "run_autograder"), [], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DISTLAB_AUTOGRADER_ROOT: root },
    encoding: "utf8",
    timeout: 300_000,
  });
  expect(run.status, run.stderr).toBe(0);
  const text = readFileSync(join(root, "results", "results.json"), "utf8");
  return { results: JSON.parse(text), text };
}

describe("the Gradescope autograder", () => {
  it("holds setup.sh, run_autograder, the kit, the lab and its hidden tests, and nothing else's answers", () => {
    for (const path of ["setup.sh", "run_autograder"]) expect(statSync(join(source, path)).mode & 0o111).not.toBe(0);
    for (const path of [
      "package-lock.json",
      "bin/distlab.js",
      "labs/04-actors/lab.json",
      "solutions/04-actors/tests/chaos.test.ts",
    ])
      expect(existsSync(join(source, path)), path).toBe(true);
    for (const path of ["solutions/01-kv", "solutions/04-actors/mutants", ".git", ".distlab/targets"])
      expect(existsSync(join(source, path)), path).toBe(false);
    expect(readFileSync(join(source, "run_autograder"), "utf8")).toContain("grade 04 --target");
  });

  it("writes a zero with the reason for a submission without the lab's code", () => {
    const { results } = runAutograder({ "notes.txt": "I did not finish" });
    expect(results.score).toBe(0);
    expect(results.tests[0]!.output).toMatch(/no src\/ folder/);
  });

  it(
    "grades a submission nested in a repository, and shows no path of the grading machine",
    { timeout: 300_000 },
    () => {
      const starter = join(KIT_ROOT, "labs", "04-actors", "src");
      const files: Record<string, string> = {};
      for (const name of [
        "actor.ts",
        "cart.ts",
        "inventory.ts",
        "messages.ts",
        "order.ts",
        "payment.ts",
        "probes.ts",
        "reliable.ts",
        "shop.ts",
      ])
        files[`my-repo/04-actors/src/${name}`] = readFileSync(join(starter, name), "utf8");
      const { results, text } = runAutograder(files);
      expect(results.score).toBe(0);
      expect(results.tests.find((test) => test.name.startsWith("Idempotent"))!.output).toContain("TODO(lab04 §4)");
      expect(text).not.toContain(root);
      expect(text).not.toContain(KIT_ROOT);
    },
  );
});
