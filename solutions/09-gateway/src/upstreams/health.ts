import type { Clock } from "../clock.ts";
import type { HealthCheckConfig } from "../config/schema.ts";
import type { Instance } from "./instance.ts";

/**
 * Active health checks: every `intervalMs` (on the gateway's clock) each instance of an upstream is
 * probed with GET `path`; `unhealthyThreshold` failed probes in a row take it out of the rotation,
 * `healthyThreshold` good ones bring it back (README, step 4).
 */
export class ActiveHealthChecks {
  private readonly stops = new Map<Instance, () => void>();

  constructor(
    private readonly config: HealthCheckConfig,
    private readonly clock: Clock,
    private readonly onChange: (instance: Instance, healthy: boolean) => void = () => {},
  ) {}

  watch(instance: Instance): void {
    if (this.stops.has(instance)) return;
    const schedule = () => {
      this.stops.set(
        instance,
        this.clock.setTimer(this.config.intervalMs, async () => {
          const ok = await this.probe(instance);
          if (!this.stops.has(instance)) return;
          const before = instance.healthy;
          applyProbe(instance, ok, this.config);
          if (instance.healthy !== before) this.onChange(instance, instance.healthy);
          schedule();
        }),
      );
    };
    schedule();
  }

  unwatch(instance: Instance): void {
    this.stops.get(instance)?.();
    this.stops.delete(instance);
  }

  stop(): void {
    for (const instance of [...this.stops.keys()]) this.unwatch(instance);
  }

  /** One probe: a 2xx within timeoutMs is healthy; anything else (status, refused, timeout) is not. */
  private async probe(instance: Instance): Promise<boolean> {
    try {
      const response = await instance.pool.request({ path: this.config.path }, this.config.timeoutMs);
      return response.status >= 200 && response.status < 300;
    } catch {
      return false;
    }
  }
}

/**
 * Applies one probe result: an instance flips to unhealthy after `unhealthyThreshold` consecutive failed
 * probes and back to healthy after `healthyThreshold` consecutive good ones; a probe that agrees with the
 * current state resets the streak.
 */
export function applyProbe(instance: Instance, ok: boolean, config: HealthCheckConfig): void {
  // @solution §4 "count consecutive probes against the current state; flip it at the threshold"
  if (ok === instance.healthy) {
    instance.probeStreak = 0;
    return;
  }
  instance.probeStreak++;
  const threshold = instance.healthy ? config.unhealthyThreshold : config.healthyThreshold;
  if (instance.probeStreak >= threshold) {
    instance.healthy = ok;
    instance.probeStreak = 0;
  }
  // @end
}
