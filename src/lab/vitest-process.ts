// Running vitest for the grader: in a network and pid namespace of its own when bubblewrap works (so the
// services the tests start can reach loopback and nothing else, and nothing started during the run
// outlives it), with an environment of the lab's settings, a time limit, and results streamed back on a
// private pipe (see results-reporter.ts).
import { spawn, type StdioOptions } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, constants, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { runnerSandboxArgs } from "../../shared/sandbox/bwrap.ts";
import { SANDBOX_ENV, sandboxEnvValue, type SandboxSupport } from "../../shared/sandbox/support.ts";
import { KIT_ROOT } from "./paths.ts";
import { RESULTS_FD, type ResultLine } from "./results-reporter.ts";

export interface VitestOutcome {
  lines: ResultLine[];
  /** "" when the run ended by itself; else why it was cut short, in words for a report. */
  interrupted: string;
  timedOut: boolean;
}

export interface VitestRunOptions {
  env: Record<string, string>;
  progress: "inherit" | "stderr" | "quiet";
  timeLimitMs: number;
  /** Stretch the limit on a loaded machine (see LoadScaledLimit); off only for the kit's own tests. */
  fixedLimit?: boolean;
  support: SandboxSupport;
}

/** What of the grader's environment the test runner keeps: what Node, tools and the kit's finders read. */
const KEPT_VARIABLES = ["PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "TERM", "CI", "NO_COLOR", "DOCKER_HOST"];
const KEPT_PREFIXES = ["DISTLAB_", "TESTCONTAINERS_"];

/** The grader's environment without what has no business in a test run (tokens, instructors' settings). */
export function runnerEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined) continue;
    if (KEPT_VARIABLES.includes(name) || KEPT_PREFIXES.some((prefix) => name.startsWith(prefix))) env[name] = value;
  }
  return env;
}

function stdioFor(progress: VitestRunOptions["progress"]): StdioOptions {
  const out = progress === "inherit" ? "inherit" : progress === "stderr" ? 2 : "ignore";
  return ["ignore", out, out, "pipe"];
}

/** Reads the results stream: one JSON line per event; a partial last line (a killed runner) is dropped. */
function collectLines(stream: NodeJS.ReadableStream, into: ResultLine[]): void {
  let pending = "";
  stream.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const text = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      try {
        into.push(JSON.parse(text) as ResultLine);
      } catch {
        // not a results line: ignore it
      }
      newline = pending.indexOf("\n");
    }
  });
  stream.on("error", () => undefined);
}

/** Runs `node args` (vitest) under the options; resolves once it and everything it started are gone. */
export function runVitestProcess(args: string[], options: VitestRunOptions): Promise<VitestOutcome> {
  return new Promise((resolvePromise, reject) => {
    const command = [process.execPath, ...args];
    const [file, ...rest] = options.support.bubblewrap ? ["bwrap", ...runnerSandboxArgs(KIT_ROOT, command)] : command;
    // Everything the run writes to the temporary directory (services' data, node hosts' pipes and logs)
    // goes under one directory of its own, removed when the run ends: a batch of a whole class leaves none.
    // Search-only for others: sandboxed processes, run as an unprivileged user, reach their folders in it.
    const scratch = mkdtempSync(join(tmpdir(), "distlab-run-"));
    chmodSync(scratch, 0o711);
    const removeScratch = () => rmSync(scratch, { recursive: true, force: true });
    const child = spawn(file!, rest, {
      cwd: KIT_ROOT,
      env: {
        ...runnerEnv(),
        ...options.env,
        TMPDIR: scratch,
        [SANDBOX_ENV]: sandboxEnvValue(options.support),
        FORCE_COLOR: options.progress === "inherit" ? (process.env.FORCE_COLOR ?? "1") : "0",
      },
      stdio: stdioFor(options.progress),
      detached: true,
    });
    const lines: ResultLine[] = [];
    const results = child.stdio[RESULTS_FD] as NodeJS.ReadableStream | null;
    if (results) collectLines(results, lines);
    let timedOut = false;
    const limit = new LoadScaledLimit(options.timeLimitMs, options.fixedLimit ? 1 : MAX_LOAD_SCALING, () => {
      timedOut = true;
      killGroup(child.pid, "SIGKILL");
    });
    const interrupt = () => killGroup(child.pid, "SIGTERM");
    process.once("SIGINT", interrupt);
    child.once("error", (error) => {
      limit.cancel();
      removeScratch();
      process.off("SIGINT", interrupt);
      reject(new Error(`cannot start the test runner: ${error.message}`));
    });
    // Whatever the runner left behind in its group (a helper holding the results pipe open) ends with it.
    child.once("exit", () => killGroup(child.pid, "SIGKILL"));
    child.once("close", (code, signal) => {
      limit.cancel();
      removeScratch();
      process.off("SIGINT", interrupt);
      const ended = lines.some((line) => line.kind === "end");
      const interrupted = timedOut
        ? `the run was stopped at the lab's time limit of ${Math.round(options.timeLimitMs / 1000)} s${limit.describeScaling()}`
        : ended
          ? ""
          : `the test runner stopped before the end of the run (${describeExit(code, signal)})`;
      resolvePromise({ lines, interrupted, timedOut });
    });
  });
}

/** How much longer the limit may stretch on a machine busier than its cores: the limit is for idle machines. */
const MAX_LOAD_SCALING = 4;

/**
 * A wall-clock limit that a loaded machine stretches: when it expires while the load average is above
 * the number of cores, it waits longer in proportion (up to MAX_LOAD_SCALING times), so the same
 * submission is not stopped on a busy grader when it would have finished on an idle one.
 */
class LoadScaledLimit {
  private timer: NodeJS.Timeout;
  private readonly started = Date.now();
  private scaledMs: number;

  constructor(
    private readonly limitMs: number,
    private readonly maxScaling: number,
    private readonly expire: () => void,
  ) {
    this.scaledMs = limitMs;
    this.timer = setTimeout(() => this.check(), limitMs);
  }

  private check(): void {
    const factor = Math.min(this.maxScaling, Math.max(1, loadavg()[0]! / availableParallelism()));
    this.scaledMs = Math.max(this.scaledMs, this.limitMs * factor);
    const left = this.scaledMs - (Date.now() - this.started);
    if (left > 1000) this.timer = setTimeout(() => this.check(), left);
    else this.expire();
  }

  describeScaling(): string {
    return this.scaledMs > this.limitMs
      ? ` (stretched to ${Math.round(this.scaledMs / 1000)} s on a loaded machine)`
      : "";
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}

/** bwrap reports a command killed by a signal as exit code 128 + the signal's number. */
function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  const bySignal = signal ?? (code !== null && code > 128 ? signalName(code - 128) : undefined);
  return bySignal ? `killed by ${bySignal}` : `exit code ${code}`;
}

function signalName(number: number): string | undefined {
  return Object.entries(constants.signals).find(([, value]) => value === number)?.[0];
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}
