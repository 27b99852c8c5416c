// How the harness starts a service: `distlab run` in the sandbox, with a fresh copy of the code under
// test that it may write, the run's prerequisite labs readable, its data folder writable, and an
// environment made of what the lab needs and nothing of the test process's own.
import type { StdioOptions } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { readLabDirs } from "../../src/cli/resolve-hook.js";
import { KIT_ROOT } from "../sandbox/kit-view.ts";
import { spawnSandboxed, type Mount, type SandboxedProcess } from "../sandbox/spawn.ts";
import { sandboxSupport } from "../sandbox/support.ts";

export interface ServiceSpawn {
  lab: string;
  /** As given to startService: `labs`, `solutions`, a folder, or undefined for `distlab run`'s default. */
  target: string | undefined;
  dataDir: string;
  /** The lab's own settings for the service (KV_URL, ADMIN_TOKEN, …) and the harness's. */
  env: Record<string, string>;
  stdio: StdioOptions;
}

/** Variables a service gets from the grader's environment: the lab's run, never the machine's own. */
const PASSED_THROUGH = ["DISTLAB_LAB_DIRS", "DISTLAB_SEED", "LOG_LEVEL"];

export function serviceEnv(lab: string, spawnEnv: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: "/tmp",
    TMPDIR: sandboxSupport().bubblewrap ? "/tmp" : tmpdir(),
    LANG: "C.UTF-8",
    FORCE_COLOR: "0",
    DISTLAB_LAB: lab,
  };
  for (const name of PASSED_THROUGH) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...spawnEnv };
}

/** The folder of a lab in the kit from `01`, `kv` or `01-kv`. */
function labFolder(lab: string): string {
  const wanted = lab.trim().toLowerCase();
  const names = existsSync(join(KIT_ROOT, "labs")) ? readdirSync(join(KIT_ROOT, "labs")) : [];
  return (
    names.find((name) => name === wanted || name.slice(0, 2) === wanted.padStart(2, "0") || name.slice(3) === wanted) ??
    wanted
  );
}

/** The folder holding the service's src/, as `distlab run` will resolve it. */
export function targetFolder(lab: string, target: string | undefined): string {
  const folder = labFolder(lab);
  if (target === undefined) {
    const reference = join(KIT_ROOT, "solutions", folder);
    return existsSync(join(reference, "src")) ? reference : join(KIT_ROOT, "labs", folder);
  }
  if (target === "labs" || target === "solutions") return join(KIT_ROOT, target, folder);
  return isAbsolute(target) ? target : resolve(target);
}

/** Every folder of the run's prerequisite map: a later lab's code imports its prerequisites from there. */
function labDirs(): string[] {
  const map = readLabDirs() as { labs: Record<string, { dir: string }> } | undefined;
  return map ? Object.values(map.labs).map((entry) => entry.dir) : [];
}

/**
 * Starts `node nodeArgs` for a service. Under bubblewrap the target's src/ is shown as a fresh copy, so
 * nothing the service writes there reaches the submission, the kit, or the next service. Returns the
 * process and the scratch folders to remove once it is gone.
 */
export function spawnService(
  nodeArgs: string[],
  spawn: ServiceSpawn,
): { process: SandboxedProcess; scratch: string[] } {
  const target = targetFolder(spawn.lab, spawn.target);
  const mounts: Mount[] = [];
  const scratch: string[] = [];
  if (sandboxSupport().bubblewrap && existsSync(join(target, "src"))) {
    const copy = mkdtempSync(join(tmpdir(), "distlab-src-"));
    cpSync(join(target, "src"), copy, { recursive: true, filter: (path) => !/(^|\/)node_modules(\/|$)/.test(path) });
    mounts.push({ source: copy, at: join(target, "src"), writable: true });
    scratch.push(copy);
  }
  const sandboxed = spawnSandboxed(process.execPath, nodeArgs, {
    readOnly: [KIT_ROOT, target, ...labDirs()],
    writable: [spawn.dataDir],
    mounts,
    network: "loopback",
    env: serviceEnv(spawn.lab, spawn.env),
    cwd: spawn.dataDir,
    stdio: spawn.stdio,
  });
  return { process: sandboxed, scratch };
}
