// Starting a process that runs submitted code. Today: its own process group, a scrubbed environment.
// The bubblewrap sandbox (namespaces, read-only kit without solutions/, limits) plugs in here.
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";

export interface SandboxPolicy {
  /** Paths the process may read, at the same absolute path (the kit without solutions/, the target). */
  readOnly: string[];
  /** Paths the process may write (its data folder, a copy of the submission, its scratch folder). */
  writable: string[];
  /** "none": no network at all; "loopback": the loopback of the caller's (already isolated) network. */
  network: "none" | "loopback";
  /** The whole environment the process gets: nothing is inherited. */
  env: Record<string, string>;
  limits?: { memoryMb?: number; cpuSeconds?: number; processes?: number; fileSizeMb?: number };
  cwd?: string;
  stdio?: StdioOptions;
}

export interface SandboxedProcess {
  child: ChildProcess;
  /** How the process is isolated, as reports print it. */
  isolation: string;
}

/** Starts `command args` under the policy, as its own process group (kill -pid stops all of it). */
export function spawnSandboxed(command: string, args: string[], policy: SandboxPolicy): SandboxedProcess {
  const child = spawn(command, args, {
    env: policy.env,
    cwd: policy.cwd,
    stdio: policy.stdio ?? ["ignore", "pipe", "pipe"],
    detached: true,
  });
  return { child, isolation: "process group, scrubbed environment (no sandbox)" };
}
