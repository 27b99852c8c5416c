import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Lab } from "./catalogue.ts";
import { plantMutant, readMutants, writeMutantClass } from "./mutants.ts";

const scratch = mkdtempSync(join(tmpdir(), "distlab-mutants-test-"));
const planted: string[] = [];
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  for (const dir of planted) rmSync(dir, { recursive: true, force: true });
});

function fixtureLab(mutants: Record<string, unknown>): Lab {
  const solutionDir = join(scratch, Math.random().toString(36).slice(2));
  mkdirSync(join(solutionDir, "src"), { recursive: true });
  mkdirSync(join(solutionDir, "mutants"));
  writeFileSync(join(solutionDir, "src", "store.ts"), "export const limit = 10;\nexport const other = 10;\n");
  for (const [name, body] of Object.entries(mutants))
    writeFileSync(join(solutionDir, "mutants", `${name}.json`), JSON.stringify(body));
  return {
    name: "99-fixture",
    labDir: solutionDir,
    solutionDir,
    hasSolutions: true,
    manifest: { tests: [{ name: "limits", file: "tests/limits.test.ts", points: 5, hidden: false }] },
  } as Lab;
}

const mutant = {
  description: "the limit is off by one",
  file: "src/store.ts",
  find: "limit = 10",
  replace: "limit = 11",
  caughtBy: ["limits"],
};

describe("mutants: planted bugs the tests must catch", () => {
  it("plants one in a copy of the solution and leaves the solution alone", async () => {
    const lab = fixtureLab({ "off-by-one": mutant });
    const [read] = readMutants(lab);
    const target = await plantMutant(lab, read!);
    planted.push(target);
    expect(readFileSync(join(target, "src", "store.ts"), "utf8")).toContain("limit = 11");
    expect(readFileSync(join(lab.solutionDir, "src", "store.ts"), "utf8")).toContain("limit = 10");
  });

  it("refuses a mutant whose text to find is not in the file exactly once", async () => {
    const lab = fixtureLab({ ambiguous: { ...mutant, find: "= 10" } });
    await expect(plantMutant(lab, readMutants(lab)[0]!)).rejects.toThrow(/occurs 2 times in src\/store.ts/);
    planted.push(join(process.cwd(), ".distlab", "mutants", "99-fixture-ambiguous"));
  });

  it("names the file and the field of a malformed mutant, and an unknown test group", () => {
    expect(() => readMutants(fixtureLab({ bad: { ...mutant, file: "store.ts" } }))).toThrow(/bad\.json: file/);
    expect(() => readMutants(fixtureLab({ lost: { ...mutant, caughtBy: ["nothing"] } }))).toThrow(
      /no test group named nothing/,
    );
  });

  it("writes a class to grade: the reference, the starter and each mutant, and overwrites no folder", async () => {
    const lab = fixtureLab({
      "off-by-one": mutant,
      "other-off": { ...mutant, find: "other = 10", replace: "other = 9" },
    });
    const dir = join(scratch, "class");
    expect(await writeMutantClass(lab, dir)).toEqual(["reference", "starter", "mutant-off-by-one", "mutant-other-off"]);
    expect(readdirSync(dir).sort()).toEqual(["mutant-off-by-one", "mutant-other-off", "reference", "starter"]);
    expect(readFileSync(join(dir, "mutant-other-off", "src", "store.ts"), "utf8")).toContain("other = 9");
    expect(readFileSync(join(dir, "reference", "src", "store.ts"), "utf8")).toContain("limit = 10");
    await expect(writeMutantClass(lab, dir)).rejects.toThrow(/is not empty/);
  });
});
