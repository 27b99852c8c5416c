// The trace of a path found by a search: the path is replayed from the initial world and what each step
// did becomes trace events, one virtual millisecond per step, so `distlab trace` (text or --html) shows
// it like a simulator run: sends and deliveries as arrows, timers, and a note per change of each node.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { describeEvent, messagePayloads } from "./render.ts";
import { takeStep, type Action, type Effect, type SearchNodes, type StepOptions, type World } from "./search-world.ts";
import { canonicalJson } from "./trace.ts";
import type { NodeId, TraceEvent, TraceHeader } from "./types.ts";

interface TraceOptions {
  describe: ((node: NodeId, state: unknown) => string) | undefined;
  /** What was violated, noted at the end. */
  verdict: string;
}

/** Replays `path` from `initial` and records it; `steps` has one line per step. */
export function searchTrace(
  nodes: SearchNodes,
  initial: World,
  path: Action[],
  options: StepOptions,
  trace: TraceOptions,
): { trace: TraceEvent[]; steps: string[] } {
  const events: TraceEvent[] = nodes.ids.map((node) => ({ t: 0, kind: "start", node }));
  const recorder = new Recorder(events);
  const notes = new Map<NodeId, string>();
  const note = (world: World, t: number) => {
    if (trace.describe === undefined) return;
    for (const node of nodes.ids) {
      const text = trace.describe(node, world.states[node]);
      if (notes.get(node) === text) continue;
      notes.set(node, text);
      events.push({ t, kind: "note", node, text });
    }
  };
  for (const message of initial.network) recorder.send(0, message.from, message.to, message.msg);
  note(initial, 0);
  const steps: string[] = [];
  let world = initial;
  path.forEach((action, index) => {
    const t = index + 1;
    const effects: Effect[] = [];
    if (action.kind === "deliver") {
      events.push({ t, kind: "deliver", from: action.from, to: action.to, mid: recorder.midFor(action.key) });
    } else {
      const timer = world.timers[action.node]!.find((pending) => pending.name === action.name)!;
      events.push({ t, kind: "timer-fire", node: action.node, timer: timer.id, name: action.name });
    }
    world = takeStep(nodes, world, action, options, effects);
    for (const effect of effects) recorder.effect(t, effect);
    note(world, t);
    steps.push(`${t}. ${describeStep(action, events)}`);
  });
  const last = path.length;
  for (const node of nodes.ids) events.push({ t: last, kind: "note", node, text: `✗ ${trace.verdict}` });
  return { trace: events, steps };
}

export function writeSearchTrace(file: string, name: string, events: TraceEvent[]): void {
  const nodes = [...new Set(events.flatMap((event) => ("node" in event ? [event.node] : [])))];
  const header: TraceHeader = { kind: "header", format: "distlab-trace/1", seed: 0, scenario: name, nodes };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, [header, ...events].map((line) => canonicalJson(line)).join("\n") + "\n");
}

/** Numbers messages as they are sent, and finds the number of the copy a delivery takes. */
class Recorder {
  private nextMid = 0;
  private readonly waiting = new Map<string, number[]>();

  constructor(private readonly events: TraceEvent[]) {}

  send(t: number, from: NodeId, to: NodeId, msg: unknown): void {
    const mid = ++this.nextMid;
    this.events.push({ t, kind: "send", from, to, mid, msg });
    const key = canonicalJson([from, to, msg]);
    this.waiting.set(key, [...(this.waiting.get(key) ?? []), mid]);
  }

  /** The oldest copy of this message still in flight (a duplicate delivery reuses the last one). */
  midFor(key: string): number {
    const mids = this.waiting.get(key) ?? [];
    return mids.length > 1 ? (mids.shift() as number) : (mids[0] ?? 0);
  }

  effect(t: number, effect: Effect): void {
    if (effect.kind === "send") this.send(t, effect.from, effect.to, effect.msg);
    else if (effect.kind === "log") this.events.push({ t, kind: "log", node: effect.node, text: effect.text });
    else if (effect.kind === "timer-set")
      this.events.push({
        t,
        kind: "timer-set",
        node: effect.node,
        timer: effect.timer,
        name: effect.name,
        delay: effect.delay,
      });
    else this.events.push({ t, kind: "timer-cancel", node: effect.node, timer: effect.timer, name: effect.name });
  }
}

function describeStep(action: Action, events: TraceEvent[]): string {
  if (action.kind === "fire") return `${action.node}: timer "${action.name}" fires`;
  const payloads = messagePayloads(events);
  const delivery = events.findLast((event) => event.kind === "deliver") as TraceEvent;
  return `${action.to} ${describeEvent(delivery, payloads)}`;
}
