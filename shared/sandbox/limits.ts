// Resource limits for a process that runs submitted code: rlimits applied by util-linux's `prlimit` right
// before the command starts, and a V8 heap cap when the command is Node. rlimits are per process (and,
// inside a user namespace, the process count is per namespace), so one submission's fork bomb does not
// starve another one graded at the same time.
import { existsSync } from "node:fs";

export interface Limits {
  /** The JavaScript heap, in MB (--max-old-space-size); native memory gets a fixed allowance on top. */
  memoryMb: number;
  /** CPU seconds the process may use in total (not wall-clock). */
  cpuSeconds: number;
  /** Processes and threads (Node alone runs about a dozen threads). */
  processes: number;
  /** The largest file the process may write, in MB. */
  fileSizeMb: number;
}

export const DEFAULT_LIMITS: Limits = { memoryMb: 768, cpuSeconds: 600, processes: 128, fileSizeMb: 256 };

/**
 * Memory is bounded by RLIMIT_DATA (private writable memory), not RLIMIT_AS: V8 and undici's WebAssembly
 * reserve about 10 GB of address space they never touch, so an address-space limit breaks Node at random
 * (a code range, a certificate store) long before it stops a bomb. Writable memory is what a Buffer or
 * typed-array bomb grows; Node itself needs about 1.2 GB of it with its heap reserved.
 */
const NATIVE_ALLOWANCE_MB = 1280;

export function withDefaults(limits: Partial<Limits> | undefined): Limits {
  const merged = { ...DEFAULT_LIMITS, ...limits };
  for (const [name, value] of Object.entries(merged)) {
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`sandbox limit ${name} must be a positive integer, got ${value}`);
  }
  return merged;
}

const PRLIMIT_CANDIDATES = ["/usr/bin/prlimit", "/bin/prlimit"];

/** Where util-linux's prlimit is, if this machine has it. */
export function findPrlimit(): string | undefined {
  return PRLIMIT_CANDIDATES.find((path) => existsSync(path));
}

/** The `prlimit … --` prefix that applies the limits to the command after it (soft = hard). */
export function prlimitPrefix(prlimit: string, limits: Limits): string[] {
  const mb = 1024 * 1024;
  return [
    prlimit,
    `--data=${(limits.memoryMb + NATIVE_ALLOWANCE_MB) * mb}`,
    `--cpu=${limits.cpuSeconds}`,
    `--nproc=${limits.processes}`,
    `--fsize=${limits.fileSizeMb * mb}`,
    "--core=0",
    "--",
  ];
}

/** A Node command gets its heap capped, so a runaway allocation ends in V8's clear out-of-memory error. */
export function nodeHeapArgs(command: string, args: string[], limits: Limits): string[] {
  const isNode = /(^|\/)node(\.exe)?$/.test(command) || command === process.execPath;
  if (!isNode || args.some((arg) => arg.startsWith("--max-old-space-size"))) return args;
  return [`--max-old-space-size=${limits.memoryMb}`, ...args];
}

export function describeLimits(limits: Limits): string {
  return `heap ${limits.memoryMb} MB, ${limits.cpuSeconds} s CPU, ${limits.processes} processes, files ≤ ${limits.fileSizeMb} MB`;
}
