import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Lab } from "./catalogue.ts";
import type { Manifest } from "./manifest.ts";
import { labCoverage, mutantTestPattern, namesAnyOf, parseHandout, parseTestFile } from "./requirements.ts";

const HANDOUT = `# Lab 07 — a fixture

## Concepts

- [R07.0.1] Every answer is JSON.

## Step 1 — Store

- [R07.1.1] A put is acknowledged only after its sync
  returns, never before.
- [R07.1.2] A delete of a missing key writes nothing.

Pitfalls:

- [R07.P.1] Acknowledging before the sync passes most tests. See R07.1.1.

## Step 2 — List

- [R07.2.1] Pages are sorted by key.
`;

const CONTRACT_TEST = `import { it } from "vitest";
it("answers JSON [R07.0.1]", () => {});
it(
  "acknowledges after the sync [R07.1.1, R07.P.1]",
  () => {},
);
// checks: R07.1.2
it("writes nothing for a missing key", () => {});
it.skip("sorts pages [R07.2.1]", () => {});
`;

const HIDDEN_TEST = `import { it } from "vitest";
for (const size of [1, 2]) it(\`sorts pages of \${size} [R07.2.1]\`, () => {});
`;

function manifest(): Manifest {
  return {
    id: "07",
    slug: "fixture",
    title: "A fixture",
    week: 7,
    prerequisites: [],
    timeLimitSeconds: 60,
    services: {},
    tests: [
      { name: "Contract", file: "tests/contract.test.ts", points: 10, hidden: false },
      { name: "Pages", file: "tests/pages.test.ts", points: 5, hidden: true },
    ],
  };
}

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A lab on disk: handout, visible and hidden tests, mutants. */
function fixtureLab(files: Record<string, string>): Lab {
  const root = mkdtempSync(join(tmpdir(), "distlab-requirements-"));
  scratch.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return {
    manifest: manifest(),
    name: "07-fixture",
    labDir: join(root, "labs/07-fixture"),
    solutionDir: join(root, "solutions/07-fixture"),
    hasSolutions: true,
  };
}

const mutant = (requirements: string[], caughtBy = ["Contract"]) =>
  JSON.stringify({ description: "a bug", file: "src/a.ts", find: "a", replace: "b", caughtBy, requirements });

const complete = {
  "labs/07-fixture/README.md": HANDOUT,
  "labs/07-fixture/tests/contract.test.ts": CONTRACT_TEST,
  "solutions/07-fixture/tests/pages.test.ts": HIDDEN_TEST,
  "solutions/07-fixture/mutants/ack-early.json": mutant(["R07.P.1"]),
};

describe("requirement ids in a handout", () => {
  it("reads each bracketed id with its step, whether it is a pitfall, and its words", () => {
    const { requirements, problems } = parseHandout(HANDOUT, "07", "README.md");
    expect(problems).toEqual([]);
    expect(requirements.map((r) => [r.id, r.step, r.pitfall])).toEqual([
      ["R07.0.1", 0, false],
      ["R07.1.1", 1, false],
      ["R07.1.2", 1, false],
      ["R07.P.1", null, true],
      ["R07.2.1", 2, false],
    ]);
    expect(requirements[1]!.text).toBe("A put is acknowledged only after its sync returns, never before.");
  });

  it("refuses an id of another lab, under the wrong step, defined twice, or mentioned but never defined", () => {
    const text =
      "## Step 1 — A\n\n- [R08.1.1] other lab\n- [R07.2.1] wrong step\n- [R07.1.1] a\n- [R07.1.1] again\n\nSee R07.1.9.\n";
    const { problems } = parseHandout(text, "07", "README.md");
    expect(problems).toEqual([
      "README.md:3: R08.1.1 names lab 08, but this is lab 07's handout",
      "README.md:4: R07.2.1 is a step 2 requirement written under step 1",
      "README.md:6: R07.1.1 is defined twice",
      "README.md:8: mentions R07.1.9, which the handout does not define",
    ]);
  });
});

describe("requirement ids in tests", () => {
  it("reads ids from titles, template titles and checks comments right above a test", () => {
    const { tests, problems } = parseTestFile(CONTRACT_TEST, "contract.test.ts");
    expect(problems).toEqual([]);
    expect(tests.map((t) => [t.ids, t.idsInTitle, t.skipped])).toEqual([
      [["R07.0.1"], ["R07.0.1"], false],
      [["R07.1.1", "R07.P.1"], ["R07.1.1", "R07.P.1"], false],
      [["R07.1.2"], [], false],
      [["R07.2.1"], ["R07.2.1"], true],
    ]);
    expect(parseTestFile(HIDDEN_TEST, "pages.test.ts").tests[0]!.ids).toEqual(["R07.2.1"]);
  });

  it("refuses a checks comment that belongs to no test, a malformed one, and ids on a describe block", () => {
    const text = `// checks: R07.1.1\n\ndescribe("store [R07.1.1]", () => {\n  // checks: R07.1.1 and more\n  it("x", () => {});\n});\n`;
    expect(parseTestFile(text, "t.ts").problems).toEqual([
      't.ts:3: ids go on tests, not on describe blocks ("store [R07.1.1]")',
      't.ts:4: a checks comment lists ids separated by commas, got "R07.1.1 and more"',
      "t.ts:1: a checks comment must sit right above the it(...) it describes",
    ]);
  });
});

describe("a lab's coverage", () => {
  it("agrees when every id has a live test, every pitfall a mutant, and every test and mutant a known id", () => {
    const coverage = labCoverage(fixtureLab(complete));
    expect(coverage.problems).toEqual([]);
    expect(coverage.tests.filter((t) => t.ids.includes("R07.2.1")).map((t) => [t.group, t.hidden, t.skipped])).toEqual([
      ["Contract", false, true],
      ["Pages", true, false],
    ]);
  });

  it("fails an id without a test, a pitfall without a mutant, unknown ids, and tests naming nothing", () => {
    const lab = fixtureLab({
      ...complete,
      "labs/07-fixture/tests/contract.test.ts": `it("answers JSON [R07.0.1, R07.9.9]", () => {});\nit("does something", () => {});\n`,
      "solutions/07-fixture/mutants/ack-early.json": mutant(["R07.1.1"]),
      "solutions/07-fixture/mutants/vague.json": JSON.stringify({
        description: "a bug",
        file: "src/a.ts",
        find: "a",
        replace: "b",
        caughtBy: ["Pages"],
      }),
    });
    const problems = labCoverage(lab).problems.join("\n");
    expect(problems).toContain('contract.test.ts:1 "answers JSON [R07.0.1, R07.9.9]" names R07.9.9, which');
    expect(problems).toContain('contract.test.ts:2 "does something" names no requirement');
    expect(problems).toMatch(/R07\.1\.1 \(.*README\.md:9\) has no test/);
    expect(problems).toMatch(/R07\.P\.1 is a pitfall without a mutant/);
    expect(problems).toContain('mutants/vague.json names no requirement: add the ids it breaks as "requirements"');
    expect(problems).toContain("mutants/ack-early.json: no test in its caughtBy groups names R07.1.1");
  });

  it("fails a lab whose handout defines no ids, so no lab escapes the gate", () => {
    const lab = fixtureLab({
      ...complete,
      "labs/07-fixture/README.md": "# Lab 07\n\n## Step 1 — Store\n\nStore it.\n",
    });
    expect(labCoverage(lab).problems[0]).toMatch(/README\.md defines no requirement ids/);
  });
});

describe("selecting a mutant's tests", () => {
  it("runs only the tests whose titles name the ids the mutant breaks", () => {
    const coverage = labCoverage(fixtureLab(complete));
    const pattern = mutantTestPattern(coverage, coverage.mutants[0]!)!;
    expect(new RegExp(pattern).test("acknowledges after the sync [R07.1.1, R07.P.1]")).toBe(true);
    expect(new RegExp(pattern).test("something else [R07.P.10]")).toBe(false);
    expect(namesAnyOf("a > b [R07.P.1]", ["R07.P.1"])).toBe(true);
    expect(namesAnyOf("a > b [R07.P.11]", ["R07.P.1"])).toBe(false);
  });

  it("takes the whole groups when a test checking the ids names them only in a comment", () => {
    const coverage = labCoverage(
      fixtureLab({ ...complete, "solutions/07-fixture/mutants/ack-early.json": mutant(["R07.1.2"]) }),
    );
    expect(mutantTestPattern(coverage, coverage.mutants[0]!)).toBeUndefined();
  });
});
