import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Lab } from "./catalogue.ts";
import { cleanStagedTargets, removeStagedTarget, stage } from "./targets.ts";

const scratch = mkdtempSync(join(tmpdir(), "distlab-staging-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const lab = { name: "01-kv" } as Lab;

function submission(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe("staging a submission for grading", () => {
  const root = join(scratch, "targets");

  it("copies its src/ once, without node_modules, under a name that depends on what it holds", () => {
    const dir = submission("alice", { "src/main.ts": "one", "src/node_modules/x/index.js": "junk", "notes.txt": "n" });
    const staged = stage(lab, dir, root);
    expect(staged).toMatch(/\/01-kv-[0-9a-f]{16}$/);
    expect(readdirSync(join(staged, "src"))).toEqual(["main.ts"]);
    expect(stage(lab, dir, root), "the same content reuses the same copy").toBe(staged);
    writeFileSync(join(dir, "src", "main.ts"), "two, longer");
    expect(stage(lab, dir, root), "changed content gets a copy of its own").not.toBe(staged);
  });

  it("removes copies no run has used for a day, and keeps recent ones", () => {
    const old = stage(lab, submission("bob", { "src/main.ts": "bob" }), root);
    const recent = stage(lab, submission("carol", { "src/main.ts": "carol" }), root);
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(old, twoDaysAgo, twoDaysAgo);
    expect(cleanStagedTargets(root)).toEqual([old]);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
  });

  it("removes one staged copy on request, and nothing outside the staging folder", () => {
    const staged = stage(lab, submission("dave", { "src/main.ts": "dave" }), root);
    const outside = submission("erin", { "src/main.ts": "erin" });
    removeStagedTarget(outside, root);
    removeStagedTarget(root, root);
    expect(existsSync(outside) && existsSync(root)).toBe(true);
    removeStagedTarget(staged, root);
    expect(existsSync(staged)).toBe(false);
  });
});
