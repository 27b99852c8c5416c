import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { formatHistory, generateBuggyKvHistory, generateKvHistory } from "../../../shared/check/index.ts";
import { Simulator } from "../../../shared/sim/index.ts";
import { checkCommand } from "./check.ts";
import { traceCommand } from "./trace.ts";

const dir = mkdtempSync(join(tmpdir(), "distlab-check-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Runs a command in-process and captures what it prints. */
async function run(command: (argv: string[]) => Promise<number>, argv: string[]) {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await command(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const good = file("good.jsonl", formatHistory(generateKvHistory({ operations: 500, keys: 5, clients: 5, seed: 1 })));
const bad = file(
  "bad.jsonl",
  formatHistory(
    generateBuggyKvHistory({ operations: 400, keys: 3, clients: 8, seed: 1, bug: "stale-read" }).operations,
  ),
);

describe("distlab check", () => {
  it("exits 0 and prints a JSON verdict for a linearizable history", async () => {
    const { code, stdout } = await run(checkCommand, [good, "--model", "kv", "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ result: "ok", operations: 500, partitions: 5 });
    expect(JSON.parse(stdout).elapsed_ms).toBeTypeOf("number");
  });

  it("exits 1 for an illegal history and writes the HTML timeline", async () => {
    const html = join(dir, "bad.html");
    const { code, stdout } = await run(checkCommand, [bad, "--html", html]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^ILLEGAL: 400 operations/);
    expect(stdout).toMatch(/not linearizable after \d+ of \d+ operations: get\(k\d\)/);
    expect(readFileSync(html, "utf8")).toContain('class="op failed"');
  });

  it("exits 3 (unknown) when the timeout runs out", async () => {
    const hard = file(
      "hard.jsonl",
      formatHistory(generateKvHistory({ operations: 20_000, keys: 1, clients: 10, seed: 6 })),
    );
    const { code, stdout } = await run(checkCommand, [hard, "--timeout", "0.001", "--json"]);
    expect(code).toBe(3);
    expect(JSON.parse(stdout).result).toBe("unknown");
  });

  it("exits 2 on a malformed history, naming the line and the problem on stderr", async () => {
    const broken = file(
      "broken.jsonl",
      `${readFileSync(good, "utf8").split("\n")[0]}\n{"client":0,"call":9,"return":3,"input":{"op":"get","key":"a"},"output":{"value":null}}\n`,
    );
    const { code, stderr } = await run(checkCommand, [broken]);
    expect(code).toBe(2);
    expect(stderr).toContain('line 2: "return" (3) is before "call" (9)');
  });

  it("exits 2 with the usage on an unknown flag, an unknown model or a missing file", async () => {
    expect((await run(checkCommand, [good, "--fast"])).stderr).toMatch(
      /Unknown option '--fast'[\s\S]*usage: distlab check/,
    );
    expect((await run(checkCommand, [good, "--model", "queue"])).code).toBe(2);
    const missing = await run(checkCommand, [join(dir, "nope.jsonl")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");
  });
});

describe("distlab trace", () => {
  it("prints the timeline of a trace file and writes the HTML page", async () => {
    const sim = new Simulator({ seed: 1, name: "cli" });
    sim.addNode("a", { init: (env) => (env.send("b", "hi"), null), onMessage() {}, onTimer() {} });
    sim.addNode("b", { init: () => null, onMessage() {}, onTimer() {} });
    sim.runFor(20);
    const trace = join(dir, "run.jsonl");
    sim.writeTrace(trace);
    const html = join(dir, "run.html");
    const { code, stdout } = await run(traceCommand, [trace, "--html", html]);
    expect(code).toBe(0);
    expect(stdout).toContain('→ b  #1 "hi"');
    expect(existsSync(html)).toBe(true);
    await expect(run(traceCommand, [])).rejects.toThrow(/missing trace FILE/);
  });
});
