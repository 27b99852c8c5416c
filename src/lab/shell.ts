import { spawn } from "node:child_process";
import { KIT_ROOT } from "./paths.ts";

/** Runs a command to completion, echoing its output; resolves to its exit code and what it printed. */
export function sh(
  command: string,
  args: string[],
  cwd = KIT_ROOT,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const take = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      process.stdout.write(chunk);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.once("error", (error) => resolve({ code: 127, output: `${output}\n${error.message}` }));
    child.once("exit", (code) => resolve({ code: code ?? 1, output }));
  });
}
