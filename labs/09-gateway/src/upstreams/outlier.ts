import type { Clock } from "../clock.ts";
import type { OutlierConfig } from "../config/schema.ts";
import type { Instance } from "./instance.ts";
import { todo } from "@distlab/kit/service";

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
    return todo("TODO(lab09 §4): an instance is ejected until its ejection time has passed on the gateway's clock — see labs/09-gateway/README.md, step 4");
  }

  onSuccess(instance: Instance): void {
    return todo("TODO(lab09 §4): a success ends a streak of failures — see labs/09-gateway/README.md, step 4");
  }

  /**
   * Counts a failure of `instance` among `all` the upstream's instances; returns true when it ejected it.
   * Never ejects past maxEjectionPercent of the instances, and never the last one standing: with every
   * instance ejected the upstream would answer nothing at all.
   */
  onFailure(instance: Instance, all: readonly Instance[]): boolean {
    return todo("TODO(lab09 §4): eject after consecutive failures, within the ejection cap, for a growing time — see labs/09-gateway/README.md, step 4");
  }
}
