// Reading a trace file back and printing it as a timeline a person can follow: one line per event,
// with the time, the node it happened on and a short summary; crashes and partitions stand out.
import { readFileSync } from "node:fs";
import type { NodeId, TraceEvent, TraceHeader } from "./types.ts";

export { renderHtmlTimeline } from "./render-html.ts";

export interface ParsedTrace {
  header: TraceHeader | undefined;
  events: TraceEvent[];
  /** Every node or client mentioned, header order first. */
  nodes: NodeId[];
}

export class TraceFormatError extends Error {
  override name = "TraceFormatError";
}

export function readTraceFile(file: string): ParsedTrace {
  return parseTrace(readFileSync(file, "utf8"));
}

export function parseTrace(text: string): ParsedTrace {
  let header: TraceHeader | undefined;
  const events: TraceEvent[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new TraceFormatError(`line ${i + 1}: not JSON (${(error as Error).message})`);
    }
    if (typeof value !== "object" || value === null || typeof (value as { kind?: unknown }).kind !== "string") {
      throw new TraceFormatError(`line ${i + 1}: expected an object with a "kind" field`);
    }
    if ((value as { kind: string }).kind === "header") header = value as TraceHeader;
    else if (typeof (value as { t?: unknown }).t !== "number")
      throw new TraceFormatError(`line ${i + 1}: event without a numeric "t" (time)`);
    else events.push(value as TraceEvent);
  }
  return { header, events, nodes: nodesOf(header, events) };
}

function nodesOf(header: TraceHeader | undefined, events: TraceEvent[]): NodeId[] {
  const nodes = new Set<NodeId>(header?.nodes ?? []);
  for (const event of events) {
    const where = eventNode(event);
    if (where !== undefined) nodes.add(where);
    if (event.kind === "send") nodes.add(event.to);
  }
  return [...nodes];
}

/** The node whose column an event belongs in (undefined for network-wide events). */
export function eventNode(event: TraceEvent): NodeId | undefined {
  switch (event.kind) {
    case "send":
    case "duplicate":
      return event.from;
    case "deliver":
    case "drop":
      return event.to;
    case "partition":
    case "heal":
      return undefined;
    default:
      return event.node;
  }
}

/** Is this event one to highlight (a fault injected by the scenario)? */
export function isFault(event: TraceEvent): boolean {
  return event.kind === "crash" || event.kind === "restart" || event.kind === "partition" || event.kind === "heal";
}

export function summarise(value: unknown, max = 80): string {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A one-line description of an event; `messages` maps message ids to their payloads (from send events). */
export function describeEvent(event: TraceEvent, messages: Map<number, unknown>): string {
  switch (event.kind) {
    case "start":
      return "started";
    case "send":
      return `→ ${event.to}  #${event.mid} ${summarise(event.msg)}`;
    case "deliver":
      return `← ${event.from}  #${event.mid} ${summarise(messages.get(event.mid))}`;
    case "drop":
      return `✗ #${event.mid} from ${event.from} dropped (${event.reason})`;
    case "duplicate":
      return `⧉ #${event.mid} to ${event.to} duplicated`;
    case "timer-set":
      return `timer "${event.name}" #${event.timer} set for +${event.delay}ms`;
    case "timer-fire":
      return `timer "${event.name}" #${event.timer} fired`;
    case "timer-cancel":
      return `timer "${event.name}" #${event.timer} cancelled`;
    case "crash":
      return "CRASHED (memory and timers lost, storage kept)";
    case "restart":
      return "RESTARTED";
    case "partition":
      return `PARTITION ${event.groups.map((g) => g.join(",")).join(" | ")}`;
    case "heal":
      return "HEAL (network whole again)";
    case "log":
      return `log: ${event.text}`;
    case "note":
      return `▸ ${event.text}`;
  }
}

export function messagePayloads(events: TraceEvent[]): Map<number, unknown> {
  const messages = new Map<number, unknown>();
  for (const event of events) if (event.kind === "send") messages.set(event.mid, event.msg);
  return messages;
}

export function renderTextTimeline(trace: ParsedTrace): string {
  const { header, events } = trace;
  const messages = messagePayloads(events);
  const nodeWidth = Math.max(4, ...trace.nodes.map((n) => n.length));
  const timeWidth = Math.max(6, ...events.map((e) => `${e.t}ms`.length));
  const out: string[] = [];
  if (header !== undefined)
    out.push(`trace of "${header.scenario}", seed ${header.seed}, nodes ${header.nodes.join(", ")}`);
  out.push(`${"time".padStart(timeWidth)}  ${"node".padEnd(nodeWidth)}  event`);
  for (const event of events) {
    const line = `${`${event.t}ms`.padStart(timeWidth)}  ${(eventNode(event) ?? "*").padEnd(nodeWidth)}  ${describeEvent(event, messages)}`;
    out.push(isFault(event) ? `${line}  ◀◀◀` : line);
  }
  return out.join("\n") + "\n";
}
