// What the cheat corpus watches around a grading run: secrets planted in the grader's environment, a
// listener on every address of the machine, the kit's own files, and the processes left running.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { networkInterfaces } from "node:os";
import { join, relative } from "node:path";
import type { Lab } from "../catalogue.ts";
import { KIT_ROOT } from "../paths.ts";

/**
 * Secrets planted in the grader's environment for the run: one the test runner drops, one it keeps
 * (DISTLAB_ variables reach the tests) but services and the node host never get.
 */
export class Canaries {
  private readonly values: Record<string, string> = {
    INSTRUCTOR_TOKEN: `canary-${randomBytes(12).toString("hex")}`,
    DISTLAB_GRADER_SECRET: `canary-${randomBytes(12).toString("hex")}`,
  };

  constructor() {
    Object.assign(process.env, this.values);
  }

  foundIn(text: string): string[] {
    return Object.entries(this.values)
      .filter(([, value]) => text.includes(value))
      .map(([name]) => name);
  }

  remove(): void {
    for (const name of Object.keys(this.values)) delete process.env[name];
  }
}

/** A TCP listener on every address of the machine; a submission that reaches it has escaped its network. */
export class Listener {
  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly hosts: string[],
    /** The remote address of every connection that reached the listener. */
    readonly connections: string[],
  ) {}

  static async open(): Promise<Listener> {
    const connections: string[] = [];
    const server = createServer((socket) => {
      connections.push(socket.remoteAddress ?? "?");
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
    const port = (server.address() as { port: number }).port;
    const hosts = [
      "127.0.0.1",
      ...Object.values(networkInterfaces())
        .flat()
        .filter((address) => address?.family === "IPv4" && !address.internal)
        .map((address) => address!.address),
    ];
    return new Listener(server, port, hosts, connections);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The grader's code that scores a run: what an attack on the grader would rewrite. */
const GRADER_FILES = [
  "runner.ts",
  "scoring.ts",
  "vitest-process.ts",
  "results-reporter.ts",
  "report.ts",
  "redact.ts",
].map((name) => join(KIT_ROOT, "src", "lab", name));

/** Hashes of the grader's scoring code and of the lab's hidden tests, to tell whether a run changed any. */
export function kitFingerprint(lab: Lab) {
  const hashes = new Map<string, string>();
  for (const file of [...GRADER_FILES, ...files(join(lab.solutionDir, "tests"))]) {
    hashes.set(relative(KIT_ROOT, file), createHash("sha256").update(readFileSync(file)).digest("hex"));
  }
  return {
    hashes,
    changedSince(before: { hashes: Map<string, string> }): string[] {
      return [...before.hashes].filter(([file, hash]) => hashes.get(file) !== hash).map(([file]) => file);
    },
  };
}

/** What the corpus's attacks start: sleepers and self-forking shells, and anything run from the submission. */
const ATTACK_PROCESSES = [/\bsleep 424\d\b/, /b\(\) \{ b \| b & \}/];

/** Processes still running a moment after the run that an attack started, or that run the submission's code. */
export async function leftoverProcesses(paths: (string | undefined)[]): Promise<string[]> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const listing = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return listing
    .split("\n")
    .map((line) => line.trim())
    .filter(
      (line) =>
        ATTACK_PROCESSES.some((pattern) => pattern.test(line)) ||
        paths.some((path) => path !== undefined && line.includes(path)),
    );
}
