// The test process's end of the node host: two FIFOs and synchronous reads, so that a simulator that runs
// synchronously can call a handler in another process as if it were a function. A watchdog thread writes
// a timeout frame into the response FIFO when a call takes too long (a handler in an infinite loop); the
// host process dying closes the FIFO, which the blocked read sees as end of stream.
import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { encodeFrame, forgetFd, readFrame, writeAll } from "./frames.ts";
import type { Response } from "./protocol.ts";

const ARMED = 0;
const GENERATION = 1;
const TIMEOUT_MS = 2;
const FIRED = 3;

// Runs in its own thread, so it keeps time while the main thread is blocked reading the FIFO.
const WATCHDOG = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
const slots = new Int32Array(workerData.shared);
let seen = -1, since = 0;
setInterval(() => {
  if (Atomics.load(slots, ${ARMED}) !== 1) { seen = -1; return; }
  const generation = Atomics.load(slots, ${GENERATION});
  if (generation !== seen) { seen = generation; since = Date.now(); return; }
  if (Date.now() - since < Atomics.load(slots, ${TIMEOUT_MS}) || Atomics.load(slots, ${FIRED}) === generation) return;
  Atomics.store(slots, ${FIRED}, generation);
  try {
    const fd = fs.openSync(workerData.responses, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    fs.writeSync(fd, Buffer.from(workerData.timeoutFrame));
    fs.closeSync(fd);
  } catch {}
}, 25);
`;

export class CallTimeoutError extends Error {
  override name = "CallTimeoutError";
}

export interface ChannelPaths {
  requests: string;
  responses: string;
}

/** Makes the two FIFOs in `dir` (mkfifo exists on every Unix the kit supports). */
export function makeFifos(dir: string): ChannelPaths {
  const paths = { requests: join(dir, "requests"), responses: join(dir, "responses") };
  execFileSync("mkfifo", ["-m", "600", paths.requests, paths.responses]);
  return paths;
}

export class SyncChannel {
  private readonly slots: Int32Array;
  private readonly watchdog: Worker;
  private closed = false;

  private constructor(
    private readonly requests: FileHandle,
    private readonly responses: FileHandle,
    paths: ChannelPaths,
  ) {
    const shared = new SharedArrayBuffer(4 * 4);
    this.slots = new Int32Array(shared);
    const timeoutFrame = encodeFrame({ ok: false, timeout: true } satisfies Response);
    this.watchdog = new Worker(WATCHDOG, {
      eval: true,
      workerData: { shared, responses: paths.responses, timeoutFrame },
    });
    this.watchdog.unref();
  }

  /**
   * Opens both FIFOs once the host has opened its ends. `startup` settles when the host cannot start
   * (it exited, or took too long): the pending opens are then released and the promise rejects.
   */
  static async connect(paths: ChannelPaths, startup: Promise<never>): Promise<SyncChannel> {
    const opening = Promise.all([open(paths.requests, "w"), open(paths.responses, "r")]);
    try {
      const [requests, responses] = await Promise.race([opening, startup]);
      return new SyncChannel(requests, responses, paths);
    } catch (error) {
      // The opens run on libuv's thread pool and may not have reached open(2) yet when the host gives up:
      // a release that comes before them unblocks nothing. Release again until both have returned.
      let settled = false;
      const closing = opening.then(
        (handles) => Promise.all(handles.map((handle) => handle.close())),
        () => undefined,
      );
      void closing.finally(() => (settled = true));
      while (!settled) {
        releasePendingOpens(paths);
        await Promise.race([closing, new Promise((done) => setTimeout(done, 20))]);
      }
      throw error;
    }
  }

  /** Sends one request and blocks until its response (or the watchdog's timeout frame) arrives. */
  request(message: unknown, timeoutMs: number): Response {
    if (this.closed) throw new Error("the node host's channel is closed");
    Atomics.store(this.slots, TIMEOUT_MS, timeoutMs);
    Atomics.add(this.slots, GENERATION, 1);
    Atomics.store(this.slots, ARMED, 1);
    try {
      writeAll(this.requests.fd, encodeFrame(message));
      const response = readFrame(this.responses.fd) as Response;
      if (!response.ok && "timeout" in response) throw new CallTimeoutError(`no answer within ${timeoutMs} ms`);
      return response;
    } finally {
      Atomics.store(this.slots, ARMED, 0);
    }
  }

  /** Reads the host's first frame (it says it is ready). */
  readReady(timeoutMs: number): unknown {
    Atomics.store(this.slots, TIMEOUT_MS, timeoutMs);
    Atomics.add(this.slots, GENERATION, 1);
    Atomics.store(this.slots, ARMED, 1);
    try {
      return readFrame(this.responses.fd);
    } finally {
      Atomics.store(this.slots, ARMED, 0);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.watchdog.terminate();
    forgetFd(this.requests.fd);
    forgetFd(this.responses.fd);
    await Promise.allSettled([this.requests.close(), this.responses.close()]);
  }
}

/** Unblocks an open() of either FIFO that is still waiting for the other side. */
function releasePendingOpens(paths: ChannelPaths): void {
  for (const [path, flags] of [
    [paths.requests, constants.O_RDONLY | constants.O_NONBLOCK],
    [paths.responses, constants.O_WRONLY | constants.O_NONBLOCK],
  ] as const) {
    try {
      closeSync(openSync(path, flags));
    } catch {
      // nobody was waiting on this one
    }
  }
}
