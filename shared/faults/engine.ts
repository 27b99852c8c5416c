/**
 * The rule engine shared by the HTTP and the TCP proxy: which faults hit this request (or connection)?
 *
 * Rules are consulted in the order they were added. Two kinds of fault:
 * - modifiers (`latency`, `bandwidth`) combine: every firing latency rule adds its delay, the lowest
 *   firing bandwidth wins;
 * - every other fault is an action (drop, reset, blackhole, ...): the first one that fires decides what
 *   happens to the request, and later action rules are not consulted (no draw, no `times` used up).
 * A rule fires when its route matches, it has `times` left, and a draw from the seeded PRNG falls under
 * its probability (no draw when the probability is 1 or 0). Same seed + same rules + same request order
 * = same decisions.
 */
import type { Prng } from "./prng.ts";
import { compileRoute, FaultRuleError } from "./rules.ts";
import type { HttpRoute, RouteTarget } from "./rules.ts";

/** What a parsed rule has, whichever proxy it belongs to. */
export interface ParsedRule {
  id?: string | undefined;
  fault: string;
  probability: number;
  times?: number | undefined;
  route?: HttpRoute | undefined;
}

export type StoredRule<P extends ParsedRule> = P & { id: string };

export interface Decision<R> {
  /** The action fault to apply, or undefined to forward normally. */
  action: R | undefined;
  /** Total delay of the firing latency rules, jitter included. */
  delayMs: number;
  /** Throughput cap of the firing bandwidth rules, or undefined for none. */
  bytesPerSecond: number | undefined;
}

export interface RuleStats {
  id: string;
  fault: string;
  /** Requests (or connections) whose route matched while the rule was consulted. */
  matched: number;
  /** Times the fault was applied. */
  fired: number;
  /** Applications left for a `times` rule, null for no limit. */
  remaining: number | null;
}

export interface EngineStats {
  /** Applications per fault kind over the proxy's lifetime, cleared rules included. */
  faults: Record<string, number>;
  /** Counters of the rules in place now. */
  rules: RuleStats[];
}

interface Entry<R> {
  rule: R;
  matches: (target: RouteTarget | undefined) => boolean;
  remaining: number | undefined;
  matched: number;
  fired: number;
}

interface LatencyRule {
  fault: "latency";
  ms: number;
  jitterMs: number;
}

interface BandwidthRule {
  fault: "bandwidth";
  bytesPerSecond: number;
}

export class RuleEngine<P extends ParsedRule> {
  readonly #parse: (input: unknown) => P;
  readonly #prng: Prng;
  #entries: Entry<StoredRule<P>>[] = [];
  #nextId = 1;
  readonly #faultCounts: Record<string, number> = {};

  /** `parse` validates one rule and throws a FaultRuleError on bad input. */
  constructor(parse: (input: unknown) => P, prng: Prng) {
    this.#parse = parse;
    this.#prng = prng;
  }

  get seed(): number {
    return this.#prng.seed;
  }

  add(input: unknown): StoredRule<P> {
    const parsed = this.#parse(input);
    const id = parsed.id ?? this.#freshId();
    if (this.#entries.some((entry) => entry.rule.id === id)) {
      throw new FaultRuleError([{ field: "id", message: `a rule with id "${id}" already exists` }]);
    }
    const rule = { ...parsed, id };
    this.#entries.push({ rule, matches: compileRoute(rule.route), remaining: rule.times, matched: 0, fired: 0 });
    return structuredClone(rule);
  }

  remove(id: string): boolean {
    const before = this.#entries.length;
    this.#entries = this.#entries.filter((entry) => entry.rule.id !== id);
    return this.#entries.length < before;
  }

  clear(): void {
    this.#entries = [];
  }

  list(): StoredRule<P>[] {
    return this.#entries.map((entry) => structuredClone(entry.rule));
  }

  stats(): EngineStats {
    return {
      faults: { ...this.#faultCounts },
      rules: this.#entries.map(({ rule, matched, fired, remaining }) => ({
        id: rule.id,
        fault: rule.fault,
        matched,
        fired,
        remaining: remaining ?? null,
      })),
    };
  }

  /** Decides the faults for one request; `target` is undefined for a TCP connection. */
  decide(target?: RouteTarget): Decision<StoredRule<P>> {
    const decision: Decision<StoredRule<P>> = { action: undefined, delayMs: 0, bytesPerSecond: undefined };
    for (const entry of this.#entries) {
      if (entry.remaining === 0 || !entry.matches(target)) continue;
      const rule = entry.rule;
      const isModifier = isLatency(rule) || isBandwidth(rule);
      if (!isModifier && decision.action !== undefined) continue;
      entry.matched += 1;
      if (!this.#draw(rule.probability)) continue;
      entry.fired += 1;
      if (entry.remaining !== undefined) entry.remaining -= 1;
      this.#faultCounts[rule.fault] = (this.#faultCounts[rule.fault] ?? 0) + 1;
      if (isLatency(rule)) {
        decision.delayMs += rule.ms + (rule.jitterMs > 0 ? this.#prng.next() * rule.jitterMs : 0);
      } else if (isBandwidth(rule)) {
        decision.bytesPerSecond = Math.min(decision.bytesPerSecond ?? Infinity, rule.bytesPerSecond);
      } else {
        decision.action = rule;
      }
    }
    return decision;
  }

  #draw(probability: number): boolean {
    if (probability >= 1) return true;
    if (probability <= 0) return false;
    return this.#prng.next() < probability;
  }

  #freshId(): string {
    let id: string;
    do id = `rule-${this.#nextId++}`;
    while (this.#entries.some((entry) => entry.rule.id === id));
    return id;
  }
}

function isLatency(rule: { fault: string }): rule is LatencyRule {
  return rule.fault === "latency";
}

function isBandwidth(rule: { fault: string }): rule is BandwidthRule {
  return rule.fault === "bandwidth";
}
