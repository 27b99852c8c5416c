// Starting a process that runs submitted code. Under bubblewrap: its own user, pid, IPC and (for
// "none") network namespaces, a read-only view of the kit without solutions/, hidden tests or staged
// submissions, a private /tmp, a scrubbed environment and resource limits; everything in it dies with
// it. Where bubblewrap is missing, the best this machine allows, and the isolation string says so.
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { chmodSync, chownSync, existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import { bwrapArgs, SANDBOX_UID, type Mount } from "./bwrap.ts";
import { kitView } from "./kit-view.ts";
import { describeLimits, nodeHeapArgs, prlimitPrefix, withDefaults, type Limits } from "./limits.ts";
import { firstChildPid } from "./process-tree.ts";
import { sandboxSupport } from "./support.ts";

export type { Mount } from "./bwrap.ts";

export interface SandboxPolicy {
  /** Paths the process may read, at the same absolute path (the kit without solutions/, the target). */
  readOnly: string[];
  /** Paths the process may write (its data folder, a copy of the submission, its scratch folder). */
  writable: string[];
  /** "none": no network at all; "loopback": the loopback of the caller's (already isolated) network. */
  network: "none" | "loopback";
  /** The whole environment the process gets: nothing is inherited. */
  env: Record<string, string>;
  limits?: Partial<Limits>;
  cwd?: string;
  stdio?: StdioOptions;
  /**
   * Folders shown at another path under bubblewrap (a fresh copy of the submission's src/ where the
   * target's src/ is). Without bubblewrap the process sees the real paths, and these are not used.
   */
  mounts?: Mount[];
}

export interface SandboxedProcess {
  child: ChildProcess;
  /** How the process is isolated, as reports print it. */
  isolation: string;
  /** Sends a signal to the command itself; SIGKILL ends everything the sandbox holds. */
  signal(signal: NodeJS.Signals): void;
}

/** Starts `command args` under the policy, as its own process group (kill -pid stops all of it). */
export function spawnSandboxed(command: string, args: string[], policy: SandboxPolicy): SandboxedProcess {
  const support = sandboxSupport();
  const limits = withDefaults(policy.limits);
  const limited = [
    ...(support.prlimit ? prlimitPrefix(support.prlimit, limits) : []),
    command,
    ...nodeHeapArgs(command, args, limits),
  ];
  const writable = [...policy.writable, ...(policy.mounts ?? []).filter((m) => m.writable).map((m) => m.source)];
  if (support.dropToNobody) {
    for (const path of writable) {
      chownTree(resolve(path));
      openTempAncestors(resolve(path));
    }
  }
  const user = support.dropToNobody ? { uid: SANDBOX_UID, gid: SANDBOX_UID } : {};
  const stdio = normaliseStdio(policy.stdio);
  const limitText = support.prlimit ? `limits (${describeLimits(limits)})` : "no resource limits (prlimit is missing)";
  if (!support.bubblewrap) {
    const child = spawn(limited[0]!, limited.slice(1), {
      // Without a private /tmp, compiled-code caches would be shared between submissions: none at all.
      env: { ...policy.env, TSX_DISABLE_CACHE: "1", NODE_DISABLE_COMPILE_CACHE: "1" },
      cwd: policy.cwd,
      stdio,
      detached: true,
      ...user,
    });
    const isolation = `no sandbox (${support.reason}): own process group and session, scrubbed environment, ${limitText}${support.dropToNobody ? ", running as nobody" : ""}`;
    return { child, isolation, signal: (signal) => signalGroupOrSelf(child, signal, signal !== "SIGKILL") };
  }
  const infoFd = stdio.length;
  const bwrap = bwrapArgs({
    // The command itself (Node from the npm registry may live outside the kit when node_modules is a link).
    view: kitView([...policy.readOnly, ...(isAbsolute(command) ? [realpathSync(command)] : [])]),
    writable: policy.writable.map((path) => resolve(path)),
    mounts: [...compileCaches(), ...(policy.mounts ?? [])],
    network: policy.network,
    cwd: policy.cwd ?? "/tmp",
    infoFd,
    command: limited,
  });
  const child = spawn("bwrap", bwrap, { env: policy.env, stdio: [...stdio, "pipe"], detached: true, ...user });
  const initPid = readInitPid(child, infoFd);
  const network = policy.network === "none" ? "no network" : "loopback network only";
  const isolation = `bubblewrap sandbox: ${network}, read-only kit without solutions/ and hidden tests, private /tmp, scrubbed environment, ${limitText}, own pid namespace`;
  const signal = (sig: NodeJS.Signals) => {
    const inner = sig === "SIGKILL" || initPid.value === undefined ? undefined : firstChildPid(initPid.value);
    if (inner === undefined) return signalGroupOrSelf(child, sig, false);
    try {
      process.kill(inner, sig);
    } catch {
      // the command has already exited
    }
  };
  return { child, isolation, signal };
}

/**
 * The grader's own compiled-code caches (tsx's transforms, V8's code cache), shown read-only where the
 * sandboxed Node looks for them: the kit's modules then load without being compiled again at every
 * service start. Read-only, so a submission cannot plant code for the next process to load.
 */
function compileCaches(): Mount[] {
  const uid = process.getuid?.() ?? 0;
  const caches = [
    { source: join(tmpdir(), `tsx-${uid}`), at: `/tmp/tsx-${SANDBOX_UID}` },
    { source: join(tmpdir(), "node-compile-cache"), at: "/tmp/node-compile-cache" },
  ];
  return caches.filter((cache) => existsSync(cache.source)).map((cache) => ({ ...cache, writable: false }));
}

function normaliseStdio(stdio: StdioOptions | undefined): Exclude<StdioOptions, string> {
  if (stdio === undefined) return ["ignore", "pipe", "pipe"];
  if (typeof stdio === "string") return [stdio, stdio, stdio];
  return [...stdio];
}

/** bwrap writes `{"child-pid": N}` on its info descriptor once the sandbox's init is running. */
function readInitPid(child: ChildProcess, fd: number): { value: number | undefined } {
  const holder: { value: number | undefined } = { value: undefined };
  const stream = child.stdio[fd] as NodeJS.ReadableStream | null;
  if (!stream) return holder;
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
    const match = /"child-pid"\s*:\s*(\d+)/.exec(text);
    if (match) holder.value = Number(match[1]);
  });
  stream.on("error", () => undefined);
  return holder;
}

function signalGroupOrSelf(child: ChildProcess, signal: NodeJS.Signals, selfOnly: boolean): void {
  if (child.pid === undefined) return;
  try {
    process.kill(selfOnly ? child.pid : -child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * A writable folder inside another temp folder (mkdtemp makes them 0700) must be reachable by the
 * sandbox's user: its ancestors below the temp root get the search bit, not the right to list.
 */
function openTempAncestors(path: string): void {
  const root = resolve(tmpdir());
  for (let dir = dirname(path); dir.startsWith(`${root}${sep}`); dir = dirname(dir)) {
    try {
      const mode = statSync(dir).mode;
      if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
    } catch {
      return;
    }
  }
}

/** Hands a folder the grader made to the sandbox's user, so the sandboxed process can write in it. */
function chownTree(path: string): void {
  try {
    chownSync(path, SANDBOX_UID, SANDBOX_UID);
  } catch {
    return;
  }
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chownTree(child);
    else if (!entry.isSymbolicLink()) chownSync(child, SANDBOX_UID, SANDBOX_UID);
  }
}
