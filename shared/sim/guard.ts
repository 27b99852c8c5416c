// Catches node code that reaches around its env for time, randomness or real timers. While a handler
// runs, the global sources of nondeterminism are swapped for recorders; they are put back in a
// `finally`, so a throwing handler never leaves the process patched.
import type { NodeId } from "./types.ts";

export type GuardMode = "off" | "record" | "throw";

export interface Violation {
  node: NodeId;
  api: string;
  time: number;
}

const ADVICE: Record<string, string> = {
  "Math.random()": "use env.random(), which is seeded per node",
  "Date.now()": "use env.now(), which is the simulated clock",
  "performance.now()": "use env.now(), which is the simulated clock",
  "setTimeout()": "use env.setTimer(name, delayMs)",
  "setInterval()": "use env.setTimer() and set it again when it fires",
  "setImmediate()": "send a message or set a timer through env instead",
};

export class NondeterminismError extends Error {
  constructor(readonly violation: Violation) {
    super(describeViolation(violation));
    this.name = "NondeterminismError";
  }
}

export function describeViolation(v: Violation): string {
  return `node "${v.node}" called ${v.api} inside a simulated handler at t=${v.time}ms: ${ADVICE[v.api] ?? "go through env"} so the run replays from its seed`;
}

type Patch = { target: object; key: string; api: string };

const PATCHES: Patch[] = [
  { target: Math, key: "random", api: "Math.random()" },
  { target: Date, key: "now", api: "Date.now()" },
  { target: performance, key: "now", api: "performance.now()" },
  { target: globalThis, key: "setTimeout", api: "setTimeout()" },
  { target: globalThis, key: "setInterval", api: "setInterval()" },
  { target: globalThis, key: "setImmediate", api: "setImmediate()" },
];

export class NondeterminismGuard {
  readonly violations: Violation[] = [];
  private readonly originals: Array<(...args: unknown[]) => unknown> = [];
  private readonly replacements: Array<(...args: unknown[]) => unknown>;
  private node: NodeId = "";
  private time = 0;
  private active = false;

  constructor(readonly mode: GuardMode) {
    this.replacements = PATCHES.map((p, i) => {
      return (...args: unknown[]) => {
        const violation = { node: this.node, api: p.api, time: this.time };
        this.violations.push(violation);
        if (this.mode === "throw") throw new NondeterminismError(violation);
        return this.originals[i]!.apply(p.target, args);
      };
    });
  }

  /**
   * Records a call that node code made elsewhere (in the node host, which catches it with its own guard),
   * as if it had been made here: kept, or refused in "throw" mode.
   */
  record(node: NodeId, time: number, api: string): void {
    if (this.mode === "off") return;
    const violation = { node, api, time };
    this.violations.push(violation);
    if (this.mode === "throw") throw new NondeterminismError(violation);
  }

  /** Runs one handler of `node` with the globals patched (a nested call reuses the patch in place). */
  run<T>(node: NodeId, time: number, handler: () => T): T {
    if (this.mode === "off" || this.active) return handler();
    this.node = node;
    this.time = time;
    this.active = true;
    PATCHES.forEach((p, i) => {
      this.originals[i] = (p.target as Record<string, (...args: unknown[]) => unknown>)[p.key]!;
    });
    this.swap(this.replacements);
    try {
      return handler();
    } finally {
      this.swap(this.originals);
      this.active = false;
    }
  }

  private swap(functions: Array<(...args: unknown[]) => unknown>): void {
    for (let i = 0; i < PATCHES.length; i++) {
      const patch = PATCHES[i]!;
      (patch.target as Record<string, unknown>)[patch.key] = functions[i];
    }
  }
}
