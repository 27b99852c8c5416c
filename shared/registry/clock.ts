/**
 * Where the registry reads the time and sets its timers. The real clock runs the registry `distlab registry`
 * and the labs start; the manual clock lets kit tests move time forward by hand, so a TTL check going
 * critical, a session expiring or a blocking query timing out is a step of the test, never a race with it.
 */

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch (or since the manual clock's start). */
  now(): number;
  /** Calls `fire` once, `ms` from now. */
  setTimer(ms: number, fire: () => void): Timer;
}

/** Real time. Timers are unref'd: a registry's timers alone never keep a process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fire) {
    const handle = setTimeout(fire, Math.max(0, ms));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

interface Pending {
  at: number;
  seq: number;
  fire: () => void;
}

/** Time that moves only when a test says so. */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly pending = new Set<Pending>();

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fire: () => void): Timer {
    const timer: Pending = { at: this.time + Math.max(0, ms), seq: this.seq++, fire };
    this.pending.add(timer);
    return { cancel: () => this.pending.delete(timer) };
  }

  /** Timers not yet fired. */
  get timers(): number {
    return this.pending.size;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way in time order (timers that
   * the fired ones set included). After each one it lets pending promise callbacks run, so an HTTP answer
   * written by a fired timer has left before the next one fires.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance: ms must be ≥ 0, got ${ms}`);
    const end = this.time + ms;
    for (;;) {
      const next = this.nextDue(end);
      if (!next) break;
      this.pending.delete(next);
      this.time = next.at;
      next.fire();
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.time = end;
    await new Promise((resolve) => setImmediate(resolve));
  }

  private nextDue(end: number): Pending | undefined {
    let next: Pending | undefined;
    for (const timer of this.pending) {
      if (timer.at > end) continue;
      if (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq)) next = timer;
    }
    return next;
  }
}
