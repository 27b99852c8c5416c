/**
 * Time, as every time-dependent part of the gateway sees it: token buckets, circuit breakers, outlier
 * ejection, health-check intervals and JWT expiry all read `now()` and schedule with `setTimer()`, never
 * Date.now() or setTimeout directly. In production that is the system clock; with GATEWAY_CLOCK=manual
 * (tests and demos) time stands still until POST /_gateway/clock moves it, so a test can say "one second
 * later" and know exactly what the gateway will do, however loaded the machine is.
 *
 * Upstream timeouts are the exception: they bound real waits on real sockets, so they use real timers.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `task` once, `delayMs` from now on this clock; the returned function cancels it. */
  setTimer(delayMs: number, task: () => unknown): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, task) {
    const timer = setTimeout(task, delayMs);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

interface Scheduled {
  at: number;
  sequence: number;
  task: () => unknown;
}

/** A clock that moves only when told to. Starts at the wall-clock time it was made (JWTs need real dates). */
export class ManualClock implements Clock {
  private current: number;
  private timers: Scheduled[] = [];
  private sequence = 0;

  constructor(start = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, task: () => unknown): () => void {
    const timer = { at: this.current + Math.max(0, delayMs), sequence: this.sequence++, task };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((candidate) => candidate !== timer);
    };
  }

  /**
   * Moves time forward by `ms`, running every timer that falls due on the way, in order, each at its own
   * time; a task that returns a promise (a health check) is awaited before time moves on, so when this
   * resolves, everything that was due has happened.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      const next = this.timers.reduce<Scheduled | undefined>(
        (earliest, timer) =>
          !earliest || timer.at < earliest.at || (timer.at === earliest.at && timer.sequence < earliest.sequence)
            ? timer
            : earliest,
        undefined,
      );
      if (!next || next.at > target) break;
      this.timers = this.timers.filter((timer) => timer !== next);
      this.current = Math.max(this.current, next.at);
      await next.task();
    }
    this.current = target;
  }
}
