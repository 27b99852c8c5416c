// The node host: submitted node code (the simulator labs' handlers, and any pure function a test wants
// to call) runs in a separate, sandboxed process; the test process holds the simulator and exchanges only
// data with it. Nothing the submission does can reach the test's assertions or results.
import type { NodeDef } from "../sim/types.ts";

export interface NodeHost {
  /** How the host process is isolated, as reports print it. */
  readonly isolation: string;
  /** False once the host has died or was stopped after a call that did not return in time. */
  readonly alive: boolean;
  /**
   * Calls an exported function of the code under test with data arguments and returns its data result.
   * `module` is a path under the lab's src/ ("resilience.ts") or a prerequisite specifier
   * ("@distlab/lab/06-raft/raft.ts"). Arguments and results cross as structured clones (no functions).
   */
  call<T = unknown>(module: string, exportName: string, ...args: unknown[]): T;
  /**
   * A NodeDef for the simulator whose handlers run in the host: `factory` is an exported function of
   * `module` that returns a NodeDef when called with `args`. Each sim.addNode() needs its own node().
   * sim.state(id) reads the node's state from the host.
   */
  node<S = unknown, M = unknown>(module: string, factory: string, ...args: unknown[]): RemoteNodeDef<S, M>;
  close(): Promise<void>;
}

/** A NodeDef whose state lives in the host. `inspect` reads it; `restore` replaces it (state-space search). */
export interface RemoteNodeDef<S = unknown, M = unknown> extends NodeDef<RemoteHandle, M> {
  readonly remote: true;
  inspect(handle: RemoteHandle): S;
  restore(handle: RemoteHandle, state: S): void;
}

/** What the simulator holds as the state of a remote node: plain data naming the instance in the host. */
export interface RemoteHandle {
  readonly remote: number;
}

export interface NodeHostOptions {
  /** The lab under test; defaults to DISTLAB_LAB. */
  lab?: string;
  /** The folder holding the lab's src/; defaults to DISTLAB_TARGET. */
  target?: string;
  /** Wall-clock limit for one call (a handler stuck in a loop); default 10 s. */
  callTimeoutMs?: number;
}
