import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

/**
 * CPU pinning and CPU accounting for the benchmark on a small machine: the system under test gets a core
 * of its own, the load generator and the backend share the other; the CPU time a system used per request
 * is read from /proc, a figure that other work on the machine inflates much less than requests/s. Every thread of a process and of its descendants is
 * pinned (a service may run under a sandbox wrapper, whose child is the one doing the work).
 */

/** The two CPUs to use, [system under test, load and backend], or undefined without taskset or 2 CPUs. */
export function cpuPlan(): { system: string; rest: string } | undefined {
  if (spawnSync("taskset", ["--version"]).error) return undefined;
  const cpus = spawnSync("nproc", [], { encoding: "utf8" }).stdout.trim();
  return Number(cpus) >= 2 ? { system: "1", rest: "0" } : undefined;
}

function descendants(pid: number): number[] {
  const found = [pid];
  for (const task of readOrEmpty(() => readdirSync(`/proc/${pid}/task`), [])) {
    const children = readOrEmpty(() => readFileSync(`/proc/${pid}/task/${task}/children`, "utf8"), "");
    for (const child of children.split(/\s+/).filter(Boolean)) found.push(...descendants(Number(child)));
  }
  return found;
}

/** What `read` returns, or `fallback` when the process or thread is gone. */
function readOrEmpty<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** CPU seconds (user + system) used so far by `pid` and its descendants. */
export function cpuSeconds(pid: number): number {
  const ticksPerSecond = 100; // USER_HZ on Linux
  let ticks = 0;
  for (const each of descendants(pid)) {
    const stat = readOrEmpty(() => readFileSync(`/proc/${each}/stat`, "utf8"), "");
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return ticks / ticksPerSecond;
}

/** Pins `pid`, its threads and its descendants to `cpu`. */
export function pinProcessTree(pid: number, cpu: string): void {
  for (const each of descendants(pid)) spawnSync("taskset", ["-a", "-p", "-c", cpu, String(each)], { stdio: "ignore" });
}
