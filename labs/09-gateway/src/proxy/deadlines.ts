/**
 * The deadlines of the exchanges in flight, checked by one interval timer instead of a timer per request:
 * arming and clearing a timer for every request costs more than sweeping the few dozen in flight every
 * few milliseconds. A deadline fires within one tick (TICK_MS) of its time.
 */

export interface Expiring {
  /** performance.now() at which it expires. */
  readonly deadline: number;
  expire(): void;
}

const TICK_MS = 5;

export class DeadlineWatch {
  private readonly watched = new Set<Expiring>();
  private timer: NodeJS.Timeout | undefined;

  add(item: Expiring): void {
    this.watched.add(item);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), TICK_MS);
      this.timer.unref();
    }
  }

  delete(item: Expiring): void {
    this.watched.delete(item);
  }

  private sweep(): void {
    if (this.watched.size === 0) {
      // Idle for a whole tick: stop until the next request.
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = performance.now();
    for (const item of this.watched) {
      if (item.deadline > now) continue;
      this.watched.delete(item);
      item.expire();
    }
  }
}
