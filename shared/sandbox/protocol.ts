// What the test process and the node host say to each other. Requests go one at a time; each gets exactly
// one response. Everything is plain data.

export type Request =
  | { op: "call"; module: string; fn: string; args: unknown[] }
  | {
      op: "create";
      instance: number;
      module: string;
      factory: string;
      args: unknown[];
      node: string;
      /** Seeds the node's env.random() stream; the same def keeps its stream across crashes. */
      stream: number;
      seed: number;
      now: number;
      storage: Record<string, unknown>;
      /** The previous incarnation of the same node, to forget. */
      replaces?: number;
    }
  | { op: "message"; instance: number; now: number; from: string; msg: unknown }
  | { op: "timer"; instance: number; now: number; id: number; name: string; payload: unknown }
  | { op: "inspect"; instance: number }
  | { op: "restore"; instance: number; state: unknown }
  | { op: "drop"; instance: number };

/** What a handler did, in order: replayed on the simulator's env by the test process. */
export type Effect =
  | ["send", string, unknown]
  | ["timer", number, string, number, unknown]
  | ["cancel", number]
  | ["set", string, unknown]
  | ["delete", string]
  | ["sync"]
  | ["log", string]
  | ["violation", string];

export type Response =
  | { ok: true; value?: unknown; effects?: Effect[] }
  | { ok: false; error: { name: string; message: string } }
  /** Written by the test process's watchdog, not by the host: the call did not return in time. */
  | { ok: false; timeout: true };

export interface ReadyFrame {
  op: "ready";
  pid: number;
}
