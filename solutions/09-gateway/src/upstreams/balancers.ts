import type { UpstreamConfig } from "../config/schema.ts";
import type { Instance } from "./instance.ts";

/**
 * Load balancers choose one instance among the candidates — the instances that are healthy, not ejected
 * and not already tried by this request, in a stable order. They run on every request: no allocation, no
 * sorting, O(candidates) at most (README, step 3).
 */
export interface Balancer {
  /** One of `candidates`, or undefined when there are none. */
  pick(candidates: readonly Instance[]): Instance | undefined;
}

/** Each candidate in turn: over n requests to n stable candidates, each gets exactly one. */
export class RoundRobin implements Balancer {
  private cursor = 0;

  pick(candidates: readonly Instance[]): Instance | undefined {
    // @solution §3 "round robin: the next candidate after the previous pick"
    if (candidates.length === 0) return undefined;
    const chosen = candidates[this.cursor % candidates.length]!;
    this.cursor = (this.cursor + 1) % 1_000_000_007;
    return chosen;
    // @end
  }
}

/**
 * The candidate serving the fewest requests right now; among equals, round robin (so idle instances
 * share the load instead of the first one taking it all).
 */
export class LeastOutstanding implements Balancer {
  private cursor = 0;

  pick(candidates: readonly Instance[]): Instance | undefined {
    // @solution §3 "least outstanding requests, ties broken round robin"
    const count = candidates.length;
    if (count === 0) return undefined;
    const start = this.cursor % count;
    let best = candidates[start]!;
    for (let step = 1; step < count; step++) {
      const candidate = candidates[(start + step) % count]!;
      if (candidate.outstanding < best.outstanding) best = candidate;
    }
    this.cursor = (this.cursor + 1) % 1_000_000_007;
    return best;
    // @end
  }
}

/**
 * Power of two choices: two distinct candidates drawn at random, the one with fewer outstanding requests
 * wins. Nearly as good as least outstanding, without looking at every instance, and without the herd
 * that a global minimum attracts when many gateways share stale load figures.
 */
export class PowerOfTwoChoices implements Balancer {
  constructor(private readonly random: () => number = Math.random) {}

  pick(candidates: readonly Instance[]): Instance | undefined {
    // @solution §3 "power of two choices: the less loaded of two distinct random candidates"
    const count = candidates.length;
    if (count <= 1) return candidates[0];
    const first = Math.floor(this.random() * count);
    const second = (first + 1 + Math.floor(this.random() * (count - 1))) % count;
    const a = candidates[first]!;
    const b = candidates[second]!;
    return b.outstanding < a.outstanding ? b : a;
    // @end
  }
}

export function createBalancer(kind: UpstreamConfig["balancer"], random?: () => number): Balancer {
  switch (kind) {
    case "round-robin":
      return new RoundRobin();
    case "least-outstanding":
      return new LeastOutstanding();
    case "power-of-two":
      return new PowerOfTwoChoices(random);
  }
}
