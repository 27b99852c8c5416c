import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listLabs } from "./catalogue.ts";
import { EDITION_MANIFEST, exportStudentEdition, updateStudentEdition } from "./export.ts";
import { leakedAnswers } from "./leaks.ts";
import { KIT_ROOT } from "./paths.ts";

const scratch = mkdtempSync(join(tmpdir(), "distlab-edition-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const read = (dir: string, path: string) => readFileSync(join(dir, path), "utf8");
const released = (dir: string) => readdirSync(join(dir, "labs")).sort();

describe("the student edition, released week by week", { timeout: 120_000 }, () => {
  const edition = join(scratch, "week-2");

  it("holds the labs through --through, and no line of any lab's answers", async () => {
    await exportStudentEdition(edition, { through: "01" });
    expect(released(edition)).toEqual(["01-kv"]);
    expect(existsSync(join(edition, "reference"))).toBe(false);
    expect(await leakedAnswers(await listLabs(), KIT_ROOT, edition)).toEqual([]);
    const manifest = JSON.parse(read(edition, EDITION_MANIFEST)) as { through: string; files: object };
    expect(manifest.through).toBe("01");
    expect(Object.keys(manifest.files)).toContain("labs/01-kv/src/store.ts");
  });

  it("adds the next labs with --update and leaves the files the student changed as they are", async () => {
    const store = "labs/01-kv/src/store.ts";
    const work = `${read(edition, store)}\n// the student's own work\n`;
    writeFileSync(join(edition, store), work);
    const result = await updateStudentEdition(edition, { through: "02" });
    expect(released(edition)).toEqual(["01-kv", "02-rpc"]);
    expect(read(edition, store)).toBe(work);
    expect(result.kept).toContain(store);
    expect(result.written.every((path) => !path.startsWith("labs/01-kv/"))).toBe(true);
  });

  it("refuses an update that would change a file the student changed, and names it", async () => {
    const handout = "labs/01-kv/README.md";
    writeFileSync(join(edition, handout), "my notes\n");
    // As if the kit had exported another handout last time: both sides changed the file.
    const manifestPath = join(edition, EDITION_MANIFEST);
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { files: Record<string, string> };
    manifest.files[handout] = createHash("sha256").update("an older handout").digest("hex");
    writeFileSync(manifestPath, JSON.stringify(manifest));
    await expect(updateStudentEdition(edition, { through: "02" })).rejects.toThrow(
      new RegExp(`changed 1 file\\(s\\) that were also changed there:\\n  ${handout}`),
    );
    expect(read(edition, handout)).toBe("my notes\n");
  });

  it("publishes the reference of past-due labs compiled, and only those", async () => {
    const published = join(scratch, "week-3");
    await exportStudentEdition(published, { through: "02", referenceThrough: "01" });
    expect(readdirSync(join(published, "reference"))).toEqual(["01-kv"]);
    const files = readdirSync(join(published, "reference", "01-kv", "src"), { recursive: true }) as string[];
    expect(files).toContain("store.js");
    expect(files.filter((file) => file.endsWith(".ts"))).toEqual([]);
    await expect(
      exportStudentEdition(join(scratch, "early"), { through: "01", referenceThrough: "02" }),
    ).rejects.toThrow(/--reference-through 02 is past --through 01/);
  });

  it("refuses to take a lab away, and a folder that is not an edition", async () => {
    await expect(updateStudentEdition(edition, { through: "01" })).rejects.toThrow(/never takes a lab away/);
    await expect(updateStudentEdition(scratch, { through: "02" })).rejects.toThrow(/is not a student edition/);
  });
});
