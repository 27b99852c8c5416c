import type { Clock } from "../clock.ts";
import type { OutlierConfig } from "../config/schema.ts";
import type { Instance } from "./instance.ts";

/** Ejections of one instance lengthen up to this many times the base ejection. */
const MAX_EJECTION_MULTIPLIER = 10;

/**
 * Passive health: the gateway watches the answers it already gets. An instance that fails
 * `consecutiveFailures` requests in a row is ejected — no request goes to it — for `baseEjectionMs` times
 * the number of times it was ejected, while probes of active health checks may still reach it
 * (README, step 4).
 */
export class OutlierDetector {
  constructor(
    private readonly config: OutlierConfig,
    private readonly clock: Clock,
  ) {}

  isEjected(instance: Instance): boolean {
    // @solution §4 "an instance is ejected until its ejection time has passed on the gateway's clock"
    return instance.ejectedUntil > this.clock.now();
    // @end
  }

  onSuccess(instance: Instance): void {
    // @solution §4 "a success ends a streak of failures"
    instance.consecutiveFailures = 0;
    // @end
  }

  /**
   * Counts a failure of `instance` among `all` the upstream's instances; returns true when it ejected it.
   * Never ejects past maxEjectionPercent of the instances, and never the last one standing: with every
   * instance ejected the upstream would answer nothing at all.
   */
  onFailure(instance: Instance, all: readonly Instance[]): boolean {
    // @solution §4 "eject after consecutive failures, within the ejection cap, for a growing time"
    instance.consecutiveFailures++;
    if (instance.consecutiveFailures < this.config.consecutiveFailures || this.isEjected(instance)) return false;
    const now = this.clock.now();
    const ejected = all.filter((other) => other.ejectedUntil > now).length;
    const share = Math.floor((all.length * this.config.maxEjectionPercent) / 100);
    const cap = Math.min(all.length - 1, this.config.maxEjectionPercent > 0 ? Math.max(1, share) : 0);
    if (ejected >= cap) return false;
    instance.ejections++;
    instance.ejectedUntil = now + this.config.baseEjectionMs * Math.min(instance.ejections, MAX_EJECTION_MULTIPLIER);
    instance.consecutiveFailures = 0;
    return true;
    // @end
  }
}
