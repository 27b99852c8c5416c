// A node of the live cluster as a child process: `distlab run <lab> node` with the node's settings in its
// environment. The cluster starts, kills (SIGKILL, as a crash) and restarts them, and reads their state.
import { spawn, type ChildProcess } from "node:child_process";
import type { Role } from "./settings.ts";
import type { Mode } from "../replica.ts";

const OUTPUT_LIMIT = 20_000;
const START_TIMEOUT_MS = 150_000;

export interface NodeProcessOptions {
  id: string;
  role: Role;
  mode: Mode;
  /** The folder where the cluster's processes publish their addresses. */
  addresses: string;
  dataDir: string;
}

/** How this process was started (`distlab run`): the same CLI, lab and code start each node. */
function runCommand(): { cli: string; lab: string; target: string } {
  const cli = process.argv[1];
  const lab = process.env["DISTLAB_LAB"];
  const target = process.env["DISTLAB_TARGET"];
  if (!cli || !lab || !target)
    throw new Error("the cluster starts its nodes through `distlab run`: run it as `distlab run 05 cluster`");
  return { cli, lab, target };
}

export class NodeProcess {
  private output = "";
  private exited: Promise<void>;
  private running = true;

  private constructor(
    readonly options: NodeProcessOptions,
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    void this.exited.then(() => (this.running = false));
  }

  get id(): string {
    return this.options.id;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.running;
  }

  static async start(options: NodeProcessOptions): Promise<NodeProcess> {
    const { cli, lab, target } = runCommand();
    const args = [cli, "run", lab, "node", "--target", target, "--port", "0", "--data-dir", options.dataDir];
    const child = spawn(process.execPath, args, {
      env: {
        ...process.env,
        PB_NODE: options.id,
        PB_ROLE: options.role,
        PB_MODE: options.mode,
        PB_ADDRESSES: options.addresses,
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => fail(`did not start within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill("SIGKILL");
        reject(new Error(`node ${options.id} (${options.role}) ${why}. Its output:\n${output.slice(-2_000)}`));
      };
      const read = (chunk: Buffer) => {
        output = (output + chunk.toString("utf8")).slice(-OUTPUT_LIMIT);
        const match = /^.*"msg":"listening".*$/m.exec(output);
        const port = match && /"port":(\d+)/.exec(match[0]);
        if (port) {
          clearTimeout(timer);
          resolve(Number(port[1]));
        }
      };
      child.stdout!.on("data", read);
      child.stderr!.on("data", read);
      child.once("exit", (code, signal) => fail(`exited (code ${code}, signal ${signal}) while starting`));
    });
    const node = new NodeProcess(options, child, port);
    node.output = output;
    const keep = (chunk: Buffer) => (node.output = (node.output + chunk.toString("utf8")).slice(-OUTPUT_LIMIT));
    child.stdout!.removeAllListeners("data").on("data", keep);
    child.stderr!.removeAllListeners("data").on("data", keep);
    return node;
  }

  /** The node's state, as its process reports it; undefined when it does not answer. */
  async state<S>(): Promise<S | undefined> {
    if (!this.running) return undefined;
    try {
      const response = await fetch(`http://127.0.0.1:${this.port}/state`, { signal: AbortSignal.timeout(1_000) });
      return response.ok ? ((await response.json()) as { state: S }).state : undefined;
    } catch {
      return undefined;
    }
  }

  /** kill -9: the node loses everything it had in memory, with no chance to say goodbye. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill("SIGKILL");
    await this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not stopped within 3 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 3_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Last lines the process printed, for error messages. */
  tail(): string {
    return this.output.slice(-2_000);
  }
}
