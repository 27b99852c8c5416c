// The bubblewrap command lines: the sandbox a submitted process runs in, and the private network the
// grader runs a lab's tests in. Pure functions of what to show, so they can be read and tested apart.
import { existsSync, lstatSync, readlinkSync } from "node:fs";
import type { KitView } from "./kit-view.ts";

/** The unprivileged user a sandboxed process runs as, inside its user namespace and, when the grader is root, outside. */
export const SANDBOX_UID = 65534;

/** A folder shown at another path: a fresh copy of a submission shown where its src/ was. */
export interface Mount {
  source: string;
  at: string;
  writable: boolean;
}

export interface BwrapPlan {
  view: KitView;
  writable: string[];
  mounts: Mount[];
  network: "none" | "loopback";
  cwd: string;
  /** The descriptor bwrap writes its `{"child-pid": N}` to, so a signal can reach the command itself. */
  infoFd?: number;
  /** The command and its arguments, limits prefix included. */
  command: string[];
}

/** Size of the private /tmp (a tmpfs, so it counts against the machine's memory). */
const TMP_BYTES = 256 * 1024 * 1024;

/** System folders a Node process needs: binaries and libraries, and the few files of /etc that libc reads. */
function systemArgs(): string[] {
  const args = ["--ro-bind", "/usr", "/usr"];
  for (const dir of ["/bin", "/sbin", "/lib", "/lib32", "/lib64"]) {
    if (!existsSync(dir)) continue;
    args.push(...(lstatSync(dir).isSymbolicLink() ? ["--symlink", readlinkSync(dir), dir] : ["--ro-bind", dir, dir]));
  }
  for (const file of ["/etc/ld.so.cache", "/etc/localtime", "/etc/hosts", "/etc/nsswitch.conf"]) {
    args.push("--ro-bind-try", file, file);
  }
  return args;
}

/** Namespaces: its own users, processes, IPC and host name; its own network too unless it may use loopback. */
function namespaceArgs(network: BwrapPlan["network"]): string[] {
  return [
    "--unshare-user",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(network === "none" ? ["--unshare-net"] : []),
    "--hostname",
    "sandbox",
    "--uid",
    String(SANDBOX_UID),
    "--gid",
    String(SANDBOX_UID),
    // Everything in the sandbox dies with the process that started it; no terminal to inject input into.
    "--die-with-parent",
    "--new-session",
  ];
}

export function bwrapArgs(plan: BwrapPlan): string[] {
  return [
    ...namespaceArgs(plan.network),
    ...systemArgs(),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--size",
    String(TMP_BYTES),
    "--tmpfs",
    "/tmp",
    ...plan.view.readOnly.flatMap((path) => ["--ro-bind", path, path]),
    ...plan.view.hidden.flatMap((path) => ["--tmpfs", path]),
    ...plan.mounts.flatMap((mount) => [mount.writable ? "--bind" : "--ro-bind", mount.source, mount.at]),
    ...plan.writable.flatMap((path) => ["--bind", path, path]),
    "--chdir",
    plan.cwd,
    ...(plan.infoFd === undefined ? [] : ["--info-fd", String(plan.infoFd)]),
    "--",
    ...plan.command,
  ];
}

/**
 * The grader's side: the test runner in a network namespace of its own, with only loopback up, which the
 * services it starts share. The filesystem and the pid namespace are the machine's: the runner and the
 * tests are the kit's own code, and a nested sandbox mounts its own /proc only if the /proc it sees
 * matches its pid namespace. Submitted code runs in nested sandboxes, each with a pid namespace that
 * ends with it.
 */
export function runnerSandboxArgs(cwd: string, command: string[]): string[] {
  return [
    "--unshare-net",
    "--unshare-ipc",
    "--die-with-parent",
    "--dev-bind",
    "/",
    "/",
    "--chdir",
    cwd,
    "--",
    ...command,
  ];
}
