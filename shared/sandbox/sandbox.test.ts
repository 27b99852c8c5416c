import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KIT_ROOT, kitView } from "./kit-view.ts";
import { nodeHeapArgs, prlimitPrefix, withDefaults } from "./limits.ts";
import { spawnSandboxed, type SandboxPolicy } from "./spawn.ts";
import { sandboxSupport } from "./support.ts";

const scratch = mkdtempSync(join(tmpdir(), "distlab-sandbox-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs a Node script in the sandbox and returns what it printed. */
function runScript(
  script: string,
  policy: Partial<SandboxPolicy> = {},
): Promise<{ output: string; code: number | null }> {
  const { child } = spawnSandboxed(process.execPath, ["-e", script], {
    readOnly: [KIT_ROOT],
    writable: [],
    network: "none",
    env: { PATH: "/usr/bin:/bin" },
    ...policy,
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  return new Promise((resolve) => child.once("close", (code) => resolve({ output, code })));
}

describe("what a sandbox shows of the kit", () => {
  it("shows the kit's runtime but not solutions/, the history, staged submissions or test caches", () => {
    const view = kitView([KIT_ROOT]);
    expect(view.readOnly).toContain(join(KIT_ROOT, "shared"));
    expect(view.readOnly).toContain(join(KIT_ROOT, "labs"));
    for (const secret of ["solutions", ".git", ".distlab"]) expect(view.readOnly).not.toContain(join(KIT_ROOT, secret));
  });

  it("shows only the src/ of a folder under solutions/ or .distlab/, never its tests", () => {
    const view = kitView([join(KIT_ROOT, "solutions", "01-kv"), join(KIT_ROOT, "solutions", "01-kv", "tests")]);
    expect(view.readOnly).toEqual([join(KIT_ROOT, "solutions", "01-kv", "src")]);
  });

  it("refuses a policy that would show a folder holding the kit", () => {
    expect(() => kitView([join(KIT_ROOT, "..")])).toThrow(/contains the kit/);
  });
});

describe("limits", () => {
  it("caps the heap of a Node command and limits writable memory, CPU, processes and file size", () => {
    const limits = withDefaults({ memoryMb: 256 });
    expect(nodeHeapArgs(process.execPath, ["x.js"], limits)).toEqual(["--max-old-space-size=256", "x.js"]);
    expect(nodeHeapArgs("/usr/bin/sleep", ["1"], limits)).toEqual(["1"]);
    expect(prlimitPrefix("/usr/bin/prlimit", limits).join(" ")).toMatch(/--data=\d+ --cpu=600 --nproc=128 --fsize=\d+/);
  });

  it("refuses a limit that is not a positive integer, naming it", () => {
    expect(() => withDefaults({ cpuSeconds: 0 })).toThrow(/cpuSeconds/);
  });
});

describe.skipIf(!sandboxSupport().bubblewrap)("a process in the bubblewrap sandbox", () => {
  it("cannot read solutions/ or the hidden tests, nor write into the kit", async () => {
    const { output } = await runScript(`
      const fs = require("node:fs");
      for (const path of ["${KIT_ROOT}/solutions", "${KIT_ROOT}/.git", "/etc/shadow"]) console.log(path, fs.existsSync(path));
      try { fs.writeFileSync("${KIT_ROOT}/src/lab/runner.ts", "x"); console.log("wrote the kit") } catch (e) { console.log("write", e.code) }
    `);
    expect(output).toContain(`${KIT_ROOT}/solutions false`);
    expect(output).toContain(`${KIT_ROOT}/.git false`);
    expect(output).toContain("write EROFS");
    expect(output).not.toContain("wrote the kit");
  });

  it("gets only the environment it is given, and no network with policy none", async () => {
    process.env.DISTLAB_TEST_TOKEN = "instructor-secret-123";
    const { output } = await runScript(`
      console.log(JSON.stringify(process.env));
      require("node:net").connect(80, "1.1.1.1").on("error", (e) => console.log("network", e.code)).on("connect", () => console.log("connected"));
    `);
    delete process.env.DISTLAB_TEST_TOKEN;
    expect(output).not.toContain("instructor-secret-123");
    expect(output).toMatch(/network (ENETUNREACH|EHOSTUNREACH|ECONNREFUSED)/);
  });

  it("writes where the policy lets it, as the sandbox's own user", async () => {
    const data = mkdtempSync(join(scratch, "data-"));
    const { output } = await runScript(`require("node:fs").writeFileSync("${data}/out", "ok"); console.log("done")`, {
      writable: [data],
    });
    expect(output).toContain("done");
    expect(statSync(join(data, "out")).size).toBe(2);
  });

  it("takes every process it started down with it", async () => {
    const { output } = await runScript(`
      const { spawn } = require("node:child_process");
      const child = spawn("/usr/bin/sleep", ["300"], { detached: true, stdio: "ignore" });
      child.unref();
      console.log("pid", child.pid);
    `);
    expect(output).toMatch(/pid \d+/);
    const { execFileSync } = await import("node:child_process");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })).not.toMatch(/^\/usr\/bin\/sleep 300$/m);
  });

  it("passes SIGTERM to the command itself, so a service can shut down gracefully", async () => {
    const sandboxed = spawnSandboxed(
      process.execPath,
      [
        "-e",
        `process.on("SIGTERM", () => { console.log("graceful"); process.exit(0) }); console.log("up"); setInterval(() => {}, 1000)`,
      ],
      { readOnly: [KIT_ROOT], writable: [], network: "none", env: {} },
    );
    let output = "";
    sandboxed.child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    await new Promise<void>((resolve) => sandboxed.child.stdout!.once("data", () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 100));
    sandboxed.signal("SIGTERM");
    const code = await new Promise((resolve) => sandboxed.child.once("close", resolve));
    expect(output).toContain("graceful");
    expect(code).toBe(0);
  });
});
