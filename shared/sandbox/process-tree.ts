// Finding the command inside a bubblewrap sandbox from outside it. bwrap runs a small init as the
// sandbox's pid 1 and the command as its child, and it does not pass signals on: a SIGTERM meant for a
// service's graceful shutdown must go to the command itself. /proc may belong to an outer pid namespace
// (the grader's), so pids are matched through the NSpid line, which lists a process's pid in every
// namespace from /proc's own down to its innermost.
import { readdirSync, readFileSync } from "node:fs";

interface ProcEntry {
  /** The pid as /proc names it. */
  proc: number;
  /** The parent, as /proc names it. */
  parent: number;
  /** The pid in each namespace, from /proc's down. */
  nsPids: number[];
}

function readEntry(name: string): ProcEntry | undefined {
  try {
    const status = readFileSync(`/proc/${name}/status`, "utf8");
    const parent = /^PPid:\s+(\d+)/m.exec(status);
    const nsPids = /^NSpid:\s+([\d\s]+)$/m.exec(status);
    if (!parent || !nsPids) return undefined;
    return { proc: Number(name), parent: Number(parent[1]), nsPids: nsPids[1]!.trim().split(/\s+/).map(Number) };
  } catch {
    return undefined;
  }
}

/**
 * The pid (in this process's namespace) of the first child of `pid`, or undefined when it has none or
 * /proc cannot say (no NSpid lines on old kernels).
 */
export function firstChildPid(pid: number): number | undefined {
  const self = readEntry("self");
  if (!self) return undefined;
  const level = self.nsPids.length - 1;
  const entries = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(readEntry)
    .filter((entry): entry is ProcEntry => entry !== undefined && entry.nsPids.length > level);
  const parent = entries.find((entry) => entry.nsPids[level] === pid);
  if (!parent) return undefined;
  const child = entries.filter((entry) => entry.parent === parent.proc).sort((a, b) => a.proc - b.proc)[0];
  return child?.nsPids[level];
}
