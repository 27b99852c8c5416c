import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listLabs } from "./catalogue.ts";
import { exportStudentEdition } from "./export.ts";

const scratch = mkdtempSync(join(tmpdir(), "distlab-export-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe("the student edition", () => {
  it("holds no solutions/, no hidden test and no hidden group", { timeout: 60_000 }, async () => {
    const edition = join(scratch, "edition");
    const { labs } = await exportStudentEdition(edition);
    expect(existsSync(join(edition, "solutions"))).toBe(false);
    for (const lab of (await listLabs()).filter((candidate) => candidate.hasSolutions)) {
      const manifest = JSON.parse(readFileSync(join(edition, "labs", lab.name, "lab.json"), "utf8")) as {
        tests: { hidden?: boolean }[];
      };
      expect(
        manifest.tests.some((group) => group.hidden),
        `${lab.name}'s manifest lists a hidden group`,
      ).toBe(false);
      const exported = files(join(edition, "labs", lab.name)).map((path) => basename(path));
      const hidden = lab.manifest.tests.filter((group) => group.hidden).map((group) => basename(group.file));
      expect(
        exported.filter((name) => hidden.includes(name)),
        `hidden tests of ${lab.name}`,
      ).toEqual([]);
    }
    expect(labs.length).toBeGreaterThan(0);
  });

  it("refuses to write into a folder that is not empty", async () => {
    await expect(exportStudentEdition(join(scratch, "edition"))).rejects.toThrow(/is not empty/);
  });
});
