// Starting and talking to the node host: the sandboxed process that runs the code under test for a test
// process that must never import it. See types.ts for the contract and host-main.ts for the other end.
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CallTimeoutError, makeFifos, SyncChannel } from "./channel.ts";
import { HostClosedError } from "./frames.ts";
import type { Request, Response } from "./protocol.ts";
import { remoteNode, type HostLink } from "./remote-node.ts";
import { spawnSandboxed, type SandboxedProcess } from "./spawn.ts";
import type { NodeHost, NodeHostOptions, RemoteNodeDef } from "./types.ts";

const KIT_ROOT = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
const HOST_MAIN = join(KIT_ROOT, "shared", "sandbox", "host-main.ts");
const REGISTER = join(KIT_ROOT, "src", "cli", "register.js");
const STARTUP_MS = 60_000;
const LOG_TAIL_BYTES = 2_000;

/** The host's environment: only what loading the lab's code needs, nothing of the test process's own. */
function hostEnv(lab: string, target: string, scratch: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: scratch,
    TMPDIR: scratch,
    TSX_DISABLE_CACHE: "1",
    NODE_ENV: "test",
    DISTLAB_LAB: lab,
    DISTLAB_TARGET: target,
  };
  if (process.env.DISTLAB_LAB_DIRS) env.DISTLAB_LAB_DIRS = process.env.DISTLAB_LAB_DIRS;
  return env;
}

/** Folders of other labs that the prerequisite map lets this run load (JSON: lab name → folder). */
function prerequisiteDirs(): string[] {
  const raw = process.env.DISTLAB_LAB_DIRS;
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    // The map is { underTest, labs: { name: { dir, … } } } (src/lab/prereqs.ts).
    const labs = (parsed.labs ?? parsed) as Record<string, unknown>;
    return Object.values(labs).flatMap((entry) =>
      typeof entry === "string"
        ? [entry]
        : typeof (entry as { dir?: unknown })?.dir === "string"
          ? [(entry as { dir: string }).dir]
          : [],
    );
  } catch {
    return [];
  }
}

class Host implements NodeHost, HostLink {
  private instances = 0;
  private dead = "";

  constructor(
    private readonly channel: SyncChannel,
    private readonly process: SandboxedProcess,
    private readonly scratch: string,
    private readonly logFile: string,
    private readonly callTimeoutMs: number,
  ) {}

  get isolation(): string {
    return this.process.isolation;
  }

  get alive(): boolean {
    return this.dead === "";
  }

  nextInstance(): number {
    return ++this.instances;
  }

  call<T>(module: string, exportName: string, ...args: unknown[]): T {
    const response = this.request({ op: "call", module, fn: exportName, args }, `${exportName}() in ${module}`);
    return (response as { value: T }).value;
  }

  node<S, M>(module: string, factory: string, ...args: unknown[]): RemoteNodeDef<S, M> {
    return remoteNode<S, M>(this, module, factory, args);
  }

  request(request: Request, what: string): Response & { ok: true } {
    if (this.dead) throw new Error(`the node host is stopped (${this.dead}); no more calls go to the code under test`);
    let response: Response;
    try {
      response = this.channel.request(request, this.callTimeoutMs);
    } catch (error) {
      throw this.stop(error, what);
    }
    if (response.ok) return response;
    const failure = (response as { error: { name: string; message: string } }).error;
    const error = new Error(failure.message);
    error.name = failure.name;
    throw error;
  }

  /** Stops the host after a call that cannot be answered, and says why in terms of the code under test. */
  private stop(error: unknown, what: string): Error {
    const reason =
      error instanceof CallTimeoutError
        ? `${what} did not return within ${this.callTimeoutMs / 1000} s: an infinite loop, or a wait that never ends?`
        : error instanceof HostClosedError || (error as NodeJS.ErrnoException).code === "EPIPE"
          ? `the process running the code under test exited during ${what}`
          : `the node host failed during ${what}: ${(error as Error).message}`;
    this.dead = reason;
    this.kill();
    const output = this.outputTail();
    return new Error(output ? `${reason}\nIts last output:\n${output}` : reason);
  }

  private outputTail(): string {
    try {
      const text = readFileSync(this.logFile, "utf8");
      return text.length > LOG_TAIL_BYTES ? `…${text.slice(-LOG_TAIL_BYTES)}` : text.trimEnd();
    } catch {
      return "";
    }
  }

  private kill(): void {
    const pid = this.process.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }

  async close(): Promise<void> {
    if (!this.dead) this.dead = "closed";
    const exited = new Promise((done) => {
      const child = this.process.child;
      if (child.exitCode !== null || child.signalCode !== null) done(undefined);
      else child.once("exit", done);
    });
    await this.channel.close();
    const timer = setTimeout(() => this.kill(), 2_000);
    await exited;
    clearTimeout(timer);
    this.kill();
    rmSync(this.scratch, { recursive: true, force: true });
    live.delete(this);
  }

  killNow(): void {
    this.kill();
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

const live = new Set<Host>();
process.once("exit", () => {
  for (const host of live) host.killNow();
});

/** Starts a node host for the lab under test (or the given lab and target). */
export async function openNodeHost(options: NodeHostOptions = {}): Promise<NodeHost> {
  const lab = options.lab ?? process.env.DISTLAB_LAB;
  const target = options.target ?? process.env.DISTLAB_TARGET;
  if (!lab || !target) throw new Error("openNodeHost: no lab or target (DISTLAB_LAB and DISTLAB_TARGET are not set)");
  const scratch = await mkdtemp(join(tmpdir(), "distlab-host-"));
  const paths = makeFifos(scratch);
  const logFile = join(scratch, "output.log");
  const log = openSync(logFile, "w");
  const sandboxed = spawnSandboxed(
    process.execPath,
    ["--import", REGISTER, HOST_MAIN, paths.requests, paths.responses],
    {
      readOnly: [KIT_ROOT, resolve(target), ...prerequisiteDirs()],
      writable: [scratch],
      network: "none",
      env: hostEnv(lab, resolve(target), scratch),
      cwd: scratch,
      stdio: ["ignore", log, log],
    },
  );
  closeSync(log);
  const startup = new Promise<never>((_, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the node host did not start within ${STARTUP_MS / 1000} s`)),
      STARTUP_MS,
    );
    timer.unref();
    sandboxed.child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the node host exited while starting (code ${code}, signal ${signal}): ${readTail(logFile)}`));
    });
    sandboxed.child.once("error", (error) => reject(new Error(`cannot start the node host: ${error.message}`)));
  });
  startup.catch(() => undefined);
  let channel: SyncChannel;
  try {
    channel = await SyncChannel.connect(paths, startup);
    channel.readReady(STARTUP_MS);
  } catch (error) {
    if (sandboxed.child.pid !== undefined) {
      try {
        process.kill(-sandboxed.child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
  const host = new Host(channel, sandboxed, scratch, logFile, options.callTimeoutMs ?? 10_000);
  live.add(host);
  return host;
}

function readTail(file: string): string {
  try {
    return readFileSync(file, "utf8").slice(-LOG_TAIL_BYTES).trim() || "(no output)";
  } catch {
    return "(no output)";
  }
}

let shared: Promise<NodeHost> | undefined;

/** Closes every host this process opened (a CLI command that used them, such as a benchmark, can then exit). */
export async function closeNodeHosts(): Promise<void> {
  shared = undefined;
  await Promise.all([...live].map((host) => host.close()));
}

/** The test process's node host for the lab under test: started on first use, started again if it died. */
export async function nodeHost(): Promise<NodeHost> {
  if (shared) {
    const host = await shared.catch(() => undefined);
    if (host?.alive) return host;
  }
  shared = openNodeHost();
  return shared;
}
