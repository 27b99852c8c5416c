// What a lab's demo is made of. A lab names its demo in lab.json (`"demo": "demo/main.ts"`); `distlab demo
// NN` imports that module and calls its `demo(options)`, which narrates a scenario step by step on the
// lab's code (options.target) and returns what it leaves running for the audience, if anything.
import type { Narrator } from "./narrator.ts";

export { expectThat, Narrator } from "./narrator.ts";
export { http } from "./http.ts";

export interface DemoOptions {
  narrator: Narrator;
  /** The folder holding the lab's src/ (the reference by default; --target labs for a student's own code). */
  target: string;
  /** True with --once: the demo should leave nothing running. */
  once: boolean;
}

/** What a demo leaves running for the audience when it is not run with --once. */
export interface DemoSystem {
  /** Where to look and what to try, one line each. */
  guide: string[];
  /** Settles when the system stops by itself (a process it depends on died). */
  stopped: Promise<unknown>;
  /** Stops everything the demo started, gracefully. */
  stop(): Promise<void>;
}

/** The function a lab's demo module exports as `demo`. */
export type LabDemo = (options: DemoOptions) => Promise<DemoSystem | undefined>;
