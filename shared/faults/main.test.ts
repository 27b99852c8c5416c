import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startRecordingUpstream } from "./test-support.ts";
import type { RecordingUpstream } from "./test-support.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

let child: ChildProcess | undefined;
let upstream: RecordingUpstream | undefined;

afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    child.kill("SIGKILL");
    await once(child, "exit");
  }
  child = undefined;
  await upstream?.close();
  upstream = undefined;
});

function run(args: string[]): ChildProcess {
  child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  return child;
}

interface ListeningLine {
  msg: string;
  url: string;
  admin: string;
  seed: number;
}

/** The first line the process prints on `stream`, within 10 s. */
async function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
  const lines = createInterface({ input: stream });
  const timeout = setTimeout(() => lines.close(), 10_000);
  try {
    for await (const line of lines) return line;
    throw new Error("the process printed nothing within 10 s");
  } finally {
    clearTimeout(timeout);
  }
}

describe("node shared/faults/main.ts", () => {
  it("starts a proxy, prints where it listens, obeys its control API and stops on SIGTERM", async () => {
    upstream = await startRecordingUpstream();
    const proxy = run(["--upstream", upstream.url, "--seed", "7", "--admin-port", "0"]);
    if (proxy.stdout === null) throw new Error("no stdout");
    const listening = JSON.parse(await firstLine(proxy.stdout)) as ListeningLine;
    expect(listening).toMatchObject({ msg: "listening", seed: 7 });
    expect(listening.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(listening.admin).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_faults$/);

    const added = await fetch(`${listening.admin}/rules`, {
      method: "POST",
      body: JSON.stringify({ fault: "duplicate", route: { path: "/charges" } }),
    });
    expect(added.status).toBe(201);
    const charged = await fetch(`${listening.url}/charges`, { method: "POST", body: "{}" });
    expect(charged.status).toBe(201);
    await charged.text();
    expect(upstream.processed).toHaveLength(2);

    const exited = once(proxy, "exit");
    proxy.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  });

  it("starts the TCP proxy for a tcp:// upstream, with its control API on a port of its own", async () => {
    const proxy = run(["--upstream", "tcp://127.0.0.1:9", "--rules", '[{"fault":"reset"}]']);
    if (proxy.stdout === null) throw new Error("no stdout");
    const listening = JSON.parse(await firstLine(proxy.stdout)) as ListeningLine;
    expect(listening.url).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const rules = await fetch(`${listening.admin}/rules`).then((response) => response.json());
    expect(rules).toEqual({ rules: [{ id: "rule-1", fault: "reset", probability: 1 }] });
  });

  it("exits with 2 and says why when a flag is wrong", async () => {
    const proxy = run(["--upstream", "http://127.0.0.1:1", "--port", "eighty"]);
    if (proxy.stderr === null) throw new Error("no stderr");
    const exited = once(proxy, "exit");
    const error = JSON.parse(await firstLine(proxy.stderr)) as unknown;
    expect(error).toEqual({ msg: "error", error: '--port must be a non-negative integer, got "eighty"' });
    const [code] = (await exited) as [number | null];
    expect(code).toBe(2);
  });
});
