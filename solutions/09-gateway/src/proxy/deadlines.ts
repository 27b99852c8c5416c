/**
 * The deadlines of the exchanges in flight, checked by one interval timer instead of a timer per request:
 * arming and clearing a timer for every request costs more than sweeping the few dozen in flight every
 * few milliseconds. A deadline fires within one tick (TICK_MS) of its time.
 *
 * The exchanges are kept in an array (each knows its place, and leaves by swapping with the last), not in
 * a Set. A Set that gains and loses an entry per request keeps replacing its hash table, and V8 links
 * each replaced table to the next one for the Set's iterators; with the Set, finished exchanges stayed
 * reachable for the young-generation collector and most runs copied every request's objects to the old
 * generation (--trace-gc-nvp over 40,000 requests: about 34 MB promoted and 120–400 ms of scavenges,
 * plus mark-compacts; with the array, 0.6 MB and about 20 ms, in each of 4 runs).
 */

export interface Expiring {
  /** performance.now() at which it expires. */
  readonly deadline: number;
  /** Its index in the watch, -1 when it is not watched (the watch's own field). */
  watchIndex: number;
  expire(): void;
}

const TICK_MS = 5;

export class DeadlineWatch {
  private readonly watched: Expiring[] = [];
  private timer: NodeJS.Timeout | undefined;

  add(item: Expiring): void {
    if (item.watchIndex >= 0) return;
    item.watchIndex = this.watched.length;
    this.watched.push(item);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), TICK_MS);
      this.timer.unref();
    }
  }

  delete(item: Expiring): void {
    const index = item.watchIndex;
    if (index < 0) return;
    item.watchIndex = -1;
    const last = this.watched.pop()!;
    if (last !== item) {
      this.watched[index] = last;
      last.watchIndex = index;
    }
  }

  private sweep(): void {
    if (this.watched.length === 0) {
      // Idle for a whole tick: stop until the next request.
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = performance.now();
    let due: Expiring[] | undefined;
    for (const item of this.watched) if (item.deadline <= now) (due ??= []).push(item);
    if (!due) return;
    // Expiring one exchange may end others (their connection closes): each is taken out just before.
    for (const item of due) {
      if (item.watchIndex < 0) continue;
      this.delete(item);
      item.expire();
    }
  }
}
