import { connect } from "node:net";
import type { Timer } from "./clock.ts";
import type { Catalog, CheckRecord } from "./catalog.ts";
import type { CheckDefinition, CheckStatus } from "./checks.ts";
import { RegistryError } from "./errors.ts";
import type { RegistryState } from "./state.ts";

/**
 * Runs the checks: probes HTTP and TCP checks every Interval (the first run staggered at random within one
 * Interval, as Consul does, so that a hundred services registered at once are not probed at once), turns
 * TTL checks critical when nobody reported within their TTL, and applies the SuccessBeforePassing /
 * FailuresBeforeWarning / FailuresBeforeCritical thresholds.
 */

const OUTPUT_LIMIT = 4096;

interface Running {
  check: CheckRecord;
  timer: Timer | undefined;
  successes: number;
  failures: number;
  abort: AbortController | undefined;
}

export class CheckRunner {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly state: RegistryState,
    private readonly catalog: () => Catalog,
    /** Told of every probe's result once it is applied (the CLI logs them; tests wait for them). */
    private readonly onProbe: (checkId: string, status: CheckStatus, output: string) => void = () => {},
  ) {}

  start(check: CheckRecord): void {
    this.stop(check.id);
    const definition = check.definition;
    if (!definition) return;
    const run: Running = { check, timer: undefined, successes: 0, failures: 0, abort: undefined };
    this.running.set(check.id, run);
    if (definition.kind === "ttl") this.armTtl(run, definition.ttlMs!);
    else this.schedule(run, this.state.random() * definition.intervalMs!);
  }

  stop(checkId: string): void {
    const run = this.running.get(checkId);
    if (!run) return;
    run.timer?.cancel();
    run.abort?.abort();
    this.running.delete(checkId);
  }

  stopAll(): void {
    for (const id of [...this.running.keys()]) this.stop(id);
  }

  /** PUT /v1/agent/check/pass|warn|fail|update: a TTL check's report, which also restarts its TTL. */
  report(checkId: string, status: CheckStatus, output: string): void {
    const run = this.running.get(checkId);
    if (!run || !this.catalog().check(checkId))
      throw new RegistryError(
        404,
        `Unknown check ID "${checkId}". Ensure that the check ID is passed, not the check name.`,
      );
    if (run.check.definition?.kind !== "ttl")
      throw new RegistryError(500, `CheckID "${checkId}" does not have associated TTL`);
    this.armTtl(run, run.check.definition.ttlMs!);
    this.catalog().setStatus(checkId, status, output);
  }

  private armTtl(run: Running, ttlMs: number): void {
    run.timer?.cancel();
    run.timer = this.state.clock.setTimer(ttlMs, () => {
      if (this.running.get(run.check.id) !== run) return;
      this.catalog().setStatus(run.check.id, "critical", "TTL expired");
    });
  }

  private schedule(run: Running, delayMs: number): void {
    run.timer = this.state.clock.setTimer(delayMs, () => void this.probe(run));
  }

  private async probe(run: Running): Promise<void> {
    if (this.running.get(run.check.id) !== run) return;
    const definition = run.check.definition!;
    run.abort = new AbortController();
    const deadline = this.state.clock.setTimer(definition.timeoutMs, () => run.abort?.abort());
    const [status, output] =
      definition.kind === "http"
        ? await probeHttp(definition, run.abort.signal)
        : await probeTcp(definition, run.abort.signal);
    deadline.cancel();
    if (this.running.get(run.check.id) !== run) return;
    this.apply(run, status, output);
    this.schedule(run, definition.intervalMs!);
    this.onProbe(run.check.id, status, output);
  }

  /** Consul's thresholds: a status sticks only after enough consecutive results say so. */
  private apply(run: Running, status: CheckStatus, output: string): void {
    const definition = run.check.definition!;
    if (status !== "critical") {
      run.successes += 1;
      run.failures = 0;
      if (run.successes >= definition.successBeforePassing) this.catalog().setStatus(run.check.id, status, output);
      return;
    }
    run.failures += 1;
    run.successes = 0;
    const beforeWarning = definition.failuresBeforeWarning || definition.failuresBeforeCritical;
    if (run.failures >= definition.failuresBeforeCritical) this.catalog().setStatus(run.check.id, "critical", output);
    else if (run.failures >= beforeWarning) this.catalog().setStatus(run.check.id, "warning", output);
  }
}

async function probeHttp(definition: CheckDefinition, signal: AbortSignal): Promise<[CheckStatus, string]> {
  const method = definition.method ?? "GET";
  const url = definition.http!;
  try {
    const headers = Object.entries(definition.header ?? {}).flatMap(([name, values]) =>
      values.map((value): [string, string] => [name, value]),
    );
    const response = await fetch(url, { method, headers, signal, redirect: "follow" });
    const body = (await response.text()).slice(0, OUTPUT_LIMIT);
    const output = `HTTP ${method} ${url}: ${response.status} ${response.statusText} Output: ${body}`;
    if (response.status >= 200 && response.status < 300) return ["passing", output];
    if (response.status === 429) return ["warning", output];
    return ["critical", output];
  } catch (error) {
    const reason = signal.aborted ? "timeout exceeded while awaiting headers" : describe(error);
    return ["critical", `${method} "${url}": ${reason}`];
  }
}

function probeTcp(definition: CheckDefinition, signal: AbortSignal): Promise<[CheckStatus, string]> {
  const target = definition.tcp!;
  const at = target.lastIndexOf(":");
  const host = target.slice(0, at).replace(/^\[|\]$/g, "");
  const port = Number(target.slice(at + 1));
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: [CheckStatus, string]) => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = () => done(["critical", `dial tcp ${target}: i/o timeout`]);
    signal.addEventListener("abort", onAbort);
    socket.once("connect", () => done(["passing", `TCP connect ${target}: Success`]));
    socket.once("error", (error) => done(["critical", `dial tcp ${target}: ${error.message}`]));
  });
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { message?: string } }).cause;
  return cause?.message ?? (error as Error).message;
}
