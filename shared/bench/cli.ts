import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const KIT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = fileURLToPath(new URL("../../bin/distlab.js", import.meta.url));

export interface CliRunOptions {
  /** Resolve with the output even when the command exits non-zero (a run that lost points). */
  allowFailure?: boolean;
  /** Added to this process's environment. */
  env?: Record<string, string>;
}

/**
 * Runs the kit's CLI as a child process, as a user runs it (with its own sandboxes and workers), from the
 * kit's folder; resolves with its stdout. A benchmark timing `distlab grade` or `distlab test` uses it.
 */
export function runDistlab(args: string[], options: CliRunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: KIT_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 || options.allowFailure
        ? resolve(out)
        : reject(new Error(`distlab ${args.join(" ")} exited with ${code}`)),
    );
  });
}
