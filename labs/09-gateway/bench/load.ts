import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";

/**
 * The load generator of the benchmark: Debian's `wrk` when it is installed (C, one thread), else
 * autocannon from npm; either runs as a process of its own, pinned beside the backend so that it leaves
 * the other core to the system under test. Both run a closed loop of `connections` keep-alive
 * connections for `seconds`, and report requests/s and the latency percentiles.
 */

export interface LoadFigures {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

export interface LoadTool {
  name: string;
  run(url: string, connections: number, seconds: number): Promise<LoadFigures>;
}

export function findLoadTool(cpu: string | undefined): LoadTool {
  const wrk = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  if (!wrk.error)
    return { name: `wrk (1 thread${cpu === undefined ? "" : `, CPU ${cpu}`})`, run: (...args) => runWrk(cpu, ...args) };
  return {
    name: `autocannon (its own process${cpu === undefined ? "" : `, CPU ${cpu}`})`,
    run: (...args) => runAutocannon(cpu, ...args),
  };
}

function pinned(cpu: string | undefined, command: string, args: string[]): [string, string[]] {
  return cpu === undefined ? [command, args] : ["taskset", ["-c", cpu, command, ...args]];
}

async function runWrk(
  cpu: string | undefined,
  url: string,
  connections: number,
  seconds: number,
): Promise<LoadFigures> {
  const [command, args] = pinned(cpu, "wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", url]);
  const output = await collect(command, args, "wrk");
  return parseWrk(output);
}

/** What a load generator prints on stdout; its exit code must be 0. */
function collect(command: string, args: string[], name: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${name} exited with ${code}:\n${stdout}${stderr}`)),
    );
  });
}

/** Requests/sec, the 50 % and 99 % latencies and the error counts of wrk's --latency report. */
export function parseWrk(output: string): LoadFigures {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]);
  const latency = (percent: string) => {
    const match = new RegExp(`^\\s+${percent}%\\s+([\\d.]+)(us|ms|s)\\b`, "m").exec(output);
    if (!match) return NaN;
    const factor = match[2] === "us" ? 0.001 : match[2] === "s" ? 1000 : 1;
    return Number(match[1]) * factor;
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((sum, count) => sum + Number(count), 0) : 0);
  if (!Number.isFinite(rps)) throw new Error(`cannot read wrk's report:\n${output}`);
  return { rps, p50_ms: latency("50"), p99_ms: latency("99"), errors };
}

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}

/** autocannon's command line with --json, in a child process (pinned like wrk), not in the bench's own. */
async function runAutocannon(
  cpu: string | undefined,
  url: string,
  connections: number,
  seconds: number,
): Promise<LoadFigures> {
  const cli = createRequire(import.meta.url).resolve("autocannon/autocannon.js");
  const [command, args] = pinned(cpu, process.execPath, [
    cli,
    "--json",
    "-c",
    `${connections}`,
    "-d",
    `${seconds}`,
    url,
  ]);
  const output = await collect(command, args, "autocannon");
  const result = JSON.parse(output) as AutocannonResult;
  return {
    rps: result.requests.average,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}
