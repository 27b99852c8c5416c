// Whether this machine can run the bubblewrap sandbox, found out once per process by trying it. The
// grader decides once for a run and tells the test process through DISTLAB_SANDBOX, so services and
// node hosts started by the tests use the isolation the report announces.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { SANDBOX_UID } from "./bwrap.ts";
import { KIT_ROOT } from "./kit-view.ts";
import { findPrlimit } from "./limits.ts";

export interface SandboxSupport {
  /** True when bubblewrap works here: namespaces, a private network, the kit readable as the sandbox user. */
  bubblewrap: boolean;
  /** Why not, when it does not (shown by doctor and in every grade report). */
  reason: string;
  /** The grader is root: sandboxed processes run as nobody, so the machine's own files stay out of reach. */
  dropToNobody: boolean;
  prlimit: string | undefined;
}

export const SANDBOX_ENV = "DISTLAB_SANDBOX";

let cached: SandboxSupport | undefined;

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function attempt(command: string, args: string[], asNobody: boolean): string {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    timeout: 10_000,
    env: { PATH: "/usr/bin:/bin" },
    ...(asNobody ? { uid: SANDBOX_UID, gid: SANDBOX_UID } : {}),
  });
  if (result.error)
    return (result.error as NodeJS.ErrnoException).code === "ENOENT" ? "not installed" : result.error.message;
  if (result.status !== 0)
    return (result.stderr || result.stdout || `exit code ${result.status}`).trim().split("\n")[0]!;
  return "";
}

/** Running as nobody needs the kit to be readable by nobody (a kit under /root, or in a private temp folder, is not). */
function canDropToNobody(): boolean {
  return isRoot() && attempt("/usr/bin/test", ["-r", join(KIT_ROOT, "package.json")], true) === "";
}

function probe(): SandboxSupport {
  const prlimit = findPrlimit();
  const kitFile = join(KIT_ROOT, "package.json");
  const dropToNobody = canDropToNobody();
  const problem = attempt(
    "bwrap",
    [
      "--unshare-all",
      "--die-with-parent",
      "--new-session",
      "--ro-bind",
      "/usr",
      "/usr",
      "--symlink",
      "usr/bin",
      "/bin",
      "--symlink",
      "usr/lib",
      "/lib",
      "--symlink",
      "usr/lib64",
      "/lib64",
      "--proc",
      "/proc",
      "--dev",
      "/dev",
      "--ro-bind",
      kitFile,
      kitFile,
      "--",
      "/usr/bin/test",
      "-r",
      kitFile,
    ],
    dropToNobody,
  );
  const outer = problem
    ? ""
    : attempt("bwrap", ["--unshare-net", "--dev-bind", "/", "/", "--", "/usr/bin/true"], false);
  const reason = problem
    ? `bubblewrap (bwrap) ${problem === "not installed" ? "is not installed (Debian: apt-get install bubblewrap)" : `does not work here: ${problem}`}`
    : outer
      ? `bubblewrap cannot give the test runner a private network here: ${outer}`
      : "";
  return { bubblewrap: reason === "", reason, dropToNobody, prlimit };
}

/** What isolation this process can give, from DISTLAB_SANDBOX when the grader already decided, else by trying. */
export function sandboxSupport(): SandboxSupport {
  if (cached) return cached;
  const decided = process.env[SANDBOX_ENV];
  if (decided === "bubblewrap") {
    cached = { bubblewrap: true, reason: "", dropToNobody: canDropToNobody(), prlimit: findPrlimit() };
  } else if (decided?.startsWith("none:")) {
    const reason = decided.slice("none:".length);
    cached = { bubblewrap: false, reason, dropToNobody: canDropToNobody(), prlimit: findPrlimit() };
  } else {
    cached = probe();
  }
  return cached;
}

/** The value of DISTLAB_SANDBOX that hands this decision to child processes. */
export function sandboxEnvValue(support: SandboxSupport): string {
  return support.bubblewrap ? "bubblewrap" : `none:${support.reason}`;
}
