import type { ChildProcess } from "node:child_process";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { Observation } from "./events.ts";

const PRELOAD = fileURLToPath(new URL("./preload.js", import.meta.url));
/** The child's descriptor the preload reports on: the first one after stdin, stdout and stderr. */
const CHANNEL_FD = 3;

export interface ObserveOptions {
  /** Each sync of a file in the data folder returns this much later than the disk did (default 0). */
  holdSyncMs?: number;
  /** Syncs of the data folder's file named `file` are held `ms` instead (a window a test wants wide open). */
  holdSyncOf?: { file: string; ms: number };
  /** Sample the process's memory this often (default: never). */
  memoryEveryMs?: number;
  /** Make the `nth` sync (counting from 1) of the data folder's file named `file` fail with EIO. */
  failSync?: { file: string; nth: number };
}

/** How to start a process so that it is observed: extra Node flags, environment and stdio. */
export function observedSpawn(options: ObserveOptions, dataDir: string) {
  for (const name of ["holdSyncMs", "memoryEveryMs"] as const) {
    const value = options[name];
    if (value !== undefined && (!Number.isInteger(value) || value < 0))
      throw new Error(`observe.${name} must be a non-negative integer number of milliseconds, got ${value}`);
  }
  const fail = options.failSync;
  if (fail && (!Number.isInteger(fail.nth) || fail.nth < 1 || !/^[^/]+$/.test(fail.file)))
    throw new Error(`observe.failSync needs a file name and an nth from 1, got ${JSON.stringify(fail)}`);
  const hold = options.holdSyncOf;
  if (hold && (!Number.isInteger(hold.ms) || hold.ms < 0 || !/^[^/]+$/.test(hold.file)))
    throw new Error(`observe.holdSyncOf needs a file name and a number of milliseconds, got ${JSON.stringify(hold)}`);
  return {
    nodeArgs: ["--import", PRELOAD],
    env: {
      DISTLAB_OBSERVE_FD: String(CHANNEL_FD),
      DISTLAB_OBSERVE_DIR: dataDir,
      DISTLAB_OBSERVE_HOLD_MS: String(options.holdSyncMs ?? 0),
      DISTLAB_OBSERVE_MEMORY_MS: String(options.memoryEveryMs ?? 0),
      ...(fail ? { DISTLAB_OBSERVE_FAIL_SYNC: `${fail.nth}:${fail.file}` } : {}),
      ...(hold ? { DISTLAB_OBSERVE_HOLD_FILE: `${hold.ms}:${hold.file}` } : {}),
    },
    stdio: ["ignore", "pipe", "pipe", "pipe"] as ["ignore", "pipe", "pipe", "pipe"],
    /** Starts reading the events of the spawned child. */
    attach(child: ChildProcess): Observation {
      const observation = new Observation();
      const channel = child.stdio[CHANNEL_FD] as Readable | null;
      if (!channel) throw new Error("the observed process has no event channel");
      channel.on("data", (chunk: Buffer) => observation.feed(chunk));
      return observation;
    },
  };
}
