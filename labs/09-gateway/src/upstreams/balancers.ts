import type { UpstreamConfig } from "../config/schema.ts";
import type { Instance } from "./instance.ts";
import { todo } from "@distlab/kit/service";

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
    return todo("TODO(lab09 §3): round robin: the next candidate after the previous pick — see labs/09-gateway/README.md, step 3");
  }
}

/**
 * The candidate serving the fewest requests right now; among equals, round robin (so idle instances
 * share the load instead of the first one taking it all).
 */
export class LeastOutstanding implements Balancer {
  private cursor = 0;

  pick(candidates: readonly Instance[]): Instance | undefined {
    return todo("TODO(lab09 §3): least outstanding requests, ties broken round robin — see labs/09-gateway/README.md, step 3");
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
    return todo("TODO(lab09 §3): power of two choices: the less loaded of two distinct random candidates — see labs/09-gateway/README.md, step 3");
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
