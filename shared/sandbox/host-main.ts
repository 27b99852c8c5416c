// The node host process: it loads the code under test and runs it on request, one request at a time, and
// answers with data. It knows nothing of tests or scores; the test process on the other end of the FIFOs
// holds the simulator and judges what comes back. Started by node-host.ts with register.js preloaded.
import { openSync } from "node:fs";
import { isAbsolute, join, normalize, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { NondeterminismGuard } from "../sim/guard.ts";
import { Prng } from "../sim/prng.ts";
import { MemoryStorage } from "../sim/storage.ts";
import { canonicalJson } from "../sim/trace.ts";
import type { Env, NodeDef, Timer } from "../sim/types.ts";
import { readFrame, writeFrame, HostClosedError } from "./frames.ts";
import type { Effect, ReadyFrame, Request, Response } from "./protocol.ts";

interface Instance {
  node: string;
  def: NodeDef<unknown, unknown>;
  state: unknown;
  env: Env<unknown>;
  storage: RecordingStorage;
  stream: Prng;
  nextTimer: number;
  now: number;
  live: boolean;
}

/** Storage whose writes are also reported as effects, so the test process keeps the copy that survives a crash. */
class RecordingStorage extends MemoryStorage {
  constructor(
    initial: Record<string, unknown>,
    private readonly effects: () => Effect[],
  ) {
    super();
    for (const [key, value] of Object.entries(initial)) this.data.set(key, value);
  }

  override set(key: string, value: unknown): void {
    super.set(key, value);
    this.effects().push(["set", key, this.data.get(key)]);
  }

  override delete(key: string): void {
    super.delete(key);
    this.effects().push(["delete", key]);
  }

  override sync(): void {
    this.effects().push(["sync"]);
  }
}

const target = process.env.DISTLAB_TARGET ?? "";
const modules = new Map<string, Record<string, unknown>>();
const instances = new Map<number, Instance>();
const streams = new Map<number, Prng>();
const guard = new NondeterminismGuard("record");
let effects: Effect[] = [];
let running: Instance | undefined;

async function load(module: string): Promise<Record<string, unknown>> {
  const cached = modules.get(module);
  if (cached) return cached;
  let url: string;
  if (module.startsWith("@distlab/")) {
    url = module;
  } else {
    const file = normalize(module);
    if (isAbsolute(file) || file.startsWith(`..${sep}`) || file === "..")
      throw new Error(`"${module}" is not a path under the lab's src/ folder`);
    url = pathToFileURL(join(target, "src", file)).href;
  }
  const loaded = (await import(url)) as Record<string, unknown>;
  modules.set(module, loaded);
  return loaded;
}

async function exported(module: string, name: string): Promise<(...args: unknown[]) => unknown> {
  const value = (await load(module))[name];
  if (typeof value !== "function") throw new Error(`src/${module} has no exported function ${name}`);
  return value as (...args: unknown[]) => unknown;
}

function makeEnv(instance: Instance): Env<unknown> {
  const use = (call: string) => {
    if (!instance.live)
      throw new Error(
        `node "${instance.node}" called env.${call} through an env from before its crash: do not keep env (or closures over it) outside a handler`,
      );
    if (running !== instance)
      throw new Error(`node "${instance.node}" called env.${call} outside its own handler: an env belongs to one node`);
  };
  return {
    id: instance.node,
    storage: instance.storage,
    send: (to, msg) => {
      use("send()");
      effects.push(["send", to, structuredClone(msg)]);
    },
    setTimer: (name, delayMs, payload) => {
      use("setTimer()");
      if (!(delayMs >= 0)) throw new RangeError(`setTimer("${name}", ${delayMs}): the delay must be ≥ 0`);
      const id = ++instance.nextTimer;
      effects.push(["timer", id, name, delayMs, payload === undefined ? undefined : structuredClone(payload)]);
      return id;
    },
    cancelTimer: (id) => {
      use("cancelTimer()");
      effects.push(["cancel", id]);
    },
    now: () => instance.now,
    random: () => instance.stream.next(),
    log: (...args) => {
      effects.push(["log", args.map((a) => (typeof a === "string" ? a : canonicalJson(a))).join(" ")]);
    },
  };
}

/** Runs one handler under the nondeterminism guard; its effects, and any caught global call, are the answer. */
function run(instance: Instance, now: number, handler: (state: unknown, env: Env<unknown>) => unknown): Response {
  instance.now = now;
  effects = [];
  running = instance;
  const before = guard.violations.length;
  try {
    const result = guard.run(instance.node, now, () => handler(instance.state, instance.env));
    if (result !== null && typeof (result as { then?: unknown } | undefined)?.then === "function")
      throw new Error("a handler returned a Promise: handlers must be synchronous");
    if (result !== undefined) instance.state = result;
  } finally {
    running = undefined;
  }
  for (const violation of guard.violations.slice(before)) effects.push(["violation", violation.api]);
  guard.violations.length = before;
  return { ok: true, effects };
}

function instanceOf(id: number): Instance {
  const instance = instances.get(id);
  if (!instance) throw new Error(`no node instance ${id} in the host (it was dropped or never created)`);
  return instance;
}

async function create(request: Extract<Request, { op: "create" }>): Promise<Response> {
  if (request.replaces !== undefined) forget(request.replaces);
  const factory = await exported(request.module, request.factory);
  const def = (await factory(...request.args)) as NodeDef<unknown, unknown>;
  for (const handler of ["init", "onMessage", "onTimer"] as const) {
    if (typeof def?.[handler] !== "function")
      throw new Error(
        `${request.factory}() in src/${request.module} did not return a node with an ${handler}() handler`,
      );
  }
  const stream = streams.get(request.stream) ?? new Prng(request.seed);
  streams.set(request.stream, stream);
  const instance = { node: request.node, def, state: undefined, stream, nextTimer: 0, now: request.now, live: true };
  const full = instance as Instance;
  full.storage = new RecordingStorage(request.storage, () => effects);
  full.env = makeEnv(full);
  instances.set(request.instance, full);
  return run(full, request.now, (_state, env) => def.init(env));
}

function forget(id: number): void {
  const instance = instances.get(id);
  if (instance) instance.live = false;
  instances.delete(id);
}

async function handle(request: Request): Promise<Response> {
  switch (request.op) {
    case "call":
      return { ok: true, value: await (await exported(request.module, request.fn))(...request.args) };
    case "create":
      return create(request);
    case "message": {
      const instance = instanceOf(request.instance);
      return run(instance, request.now, (state, env) => instance.def.onMessage(state, request.from, request.msg, env));
    }
    case "timer": {
      const instance = instanceOf(request.instance);
      const timer: Timer = { id: request.id, name: request.name, payload: request.payload };
      return run(instance, request.now, (state, env) => instance.def.onTimer(state, timer, env));
    }
    case "inspect":
      return { ok: true, value: instanceOf(request.instance).state };
    case "restore":
      instanceOf(request.instance).state = request.state;
      return { ok: true };
    case "drop":
      forget(request.instance);
      return { ok: true };
  }
}

function failure(error: unknown): Response {
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, error: { name, message } };
}

function answer(fd: number, response: Response): void {
  try {
    writeFrame(fd, response);
  } catch (error) {
    writeFrame(
      fd,
      failure(new Error(`the answer cannot be sent to the test (only plain data can): ${(error as Error).message}`)),
    );
  }
}

async function serve(): Promise<void> {
  const [requests, responses] = process.argv.slice(2);
  if (!requests || !responses) throw new Error("usage: host-main.ts <request fifo> <response fifo>");
  const input = openSync(requests, "r");
  const output = openSync(responses, "w");
  writeFrame(output, { op: "ready", pid: process.pid } satisfies ReadyFrame);
  for (;;) {
    let request: Request;
    try {
      request = readFrame(input) as Request;
    } catch (error) {
      if (error instanceof HostClosedError) return;
      throw error;
    }
    let response: Response;
    try {
      response = await handle(request);
    } catch (error) {
      response = failure(error);
    }
    answer(output, response);
  }
}

await serve();
process.exit(0);
