// `distlab check` as its own process. bin/distlab.js loads the checker with Node's own type stripping
// (no tsx), so this also guards that every module check imports stays erasable TypeScript.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { generateKvHistory } from "./generate.ts";
import { formatHistory } from "./history.ts";
import { generateBuggyKvHistory } from "./planted-bugs.ts";

const bin = fileURLToPath(new URL("../../bin/distlab.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "distlab-check-process-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function check(...args: string[]) {
  const child = spawnSync(process.execPath, [bin, "check", ...args], { encoding: "utf8", timeout: 20_000 });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe("distlab check as a process", () => {
  it("keeps its exit codes: 0 ok, 1 illegal, 2 bad input, 3 unknown", () => {
    const ok = check(
      file("ok.jsonl", formatHistory(generateKvHistory({ operations: 2000, keys: 20, clients: 10, seed: 1 }))),
    );
    expect(ok, ok.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(ok.stdout).toMatch(/^OK: 2000 operations, 20 partition\(s\)/);

    const buggy = generateBuggyKvHistory({ operations: 400, keys: 3, clients: 8, seed: 2, bug: "lost-write" });
    const illegal = check(file("illegal.jsonl", formatHistory(buggy.operations)), "--json");
    expect(illegal.code, illegal.stderr).toBe(1);
    expect(JSON.parse(illegal.stdout)).toMatchObject({ result: "illegal", operations: 400 });

    const broken = check(file("broken.jsonl", '{"client":0,"call":1,"return":2,"input":{"op":"get"},"output":{}}\n'));
    expect(broken).toMatchObject({ code: 2, stdout: "" });
    expect(broken.stderr).toContain("line 1: input.key must be a string");
    expect(check(join(dir, "missing.jsonl")).stderr).toContain("no such file");
    expect(check("--model", "queue", join(dir, "ok.jsonl")).code).toBe(2);

    const hard = file(
      "hard.jsonl",
      formatHistory(generateKvHistory({ operations: 20_000, keys: 1, clients: 10, seed: 6 })),
    );
    const unknown = check(hard, "--timeout", "0.001", "--json");
    expect(unknown.code, unknown.stderr).toBe(3);
    expect(JSON.parse(unknown.stdout).result).toBe("unknown");
  });
});
