import type { Clock } from "../clock.ts";
import type { BreakerConfig } from "../config/schema.ts";
import { todo } from "@distlab/kit/service";

export type BreakerState = "closed" | "open" | "half-open";

export type Admission = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * A circuit breaker per upstream (README, step 6). Closed, it lets everything through and counts
 * consecutive failures; at `failureThreshold` it opens. Open, it refuses everything for `openMs` — the
 * gateway answers 503 with Retry-After at once instead of piling requests on a service that is down.
 * Then half-open: it lets `halfOpenRequests` probes through; if they all succeed it closes, and if one
 * fails it opens again for another `openMs`.
 */
export class CircuitBreaker {
  private current: BreakerState = "closed";
  private failures = 0;
  private openedAt = 0;
  /** Half-open: probes let through, and how many of them succeeded. */
  private probes = 0;
  private probeSuccesses = 0;

  constructor(
    private readonly config: BreakerConfig,
    private readonly clock: Clock,
    private readonly onChange: (state: BreakerState) => void = () => {},
  ) {}

  /** The state now (an open breaker whose time is up reads as half-open). */
  state(): BreakerState {
    return todo("TODO(lab09 §6): an open breaker turns half-open once openMs has passed — see labs/09-gateway/README.md, step 6");
  }

  /** Whether a request may go to the upstream now; if not, how long until it might. */
  tryAcquire(): Admission {
    return todo("TODO(lab09 §6): admit everything when closed, nothing when open, a few probes when half-open — see labs/09-gateway/README.md, step 6");
  }

  onSuccess(): void {
    return todo("TODO(lab09 §6): a success resets the count; enough successful probes close the breaker — see labs/09-gateway/README.md, step 6");
  }

  onFailure(): void {
    return todo("TODO(lab09 §6): consecutive failures open the breaker; a failed probe opens it again — see labs/09-gateway/README.md, step 6");
  }

  /** An admitted request ended without an outcome (its client left): its probe slot is free again. */
  release(): void {
    if (this.current === "half-open" && this.probes > this.probeSuccesses) this.probes--;
  }

  private open(): void {
    this.openedAt = this.clock.now();
    this.move("open");
  }

  private move(state: BreakerState): void {
    this.current = state;
    this.failures = 0;
    this.probes = 0;
    this.probeSuccesses = 0;
    this.onChange(state);
  }
}
