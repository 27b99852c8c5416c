// The simulated network's rules: per-link behaviour (delay, loss, duplication, reordering) and the
// current partition. It decides; the simulator schedules and records.
import type { LinkConfig, NodeId } from "./types.ts";
import type { Prng } from "./prng.ts";

export const DEFAULT_LINK: Readonly<LinkConfig> = Object.freeze({
  minDelay: 1,
  maxDelay: 10,
  dropRate: 0,
  duplicateRate: 0,
  reorderRate: 0,
  reorderDelay: 50,
  reorderSpread: 0,
  fifo: false,
});

export interface NetworkOptions extends Partial<LinkConfig> {
  /** Per-link overrides, keyed "from->to". */
  links?: Record<string, Partial<LinkConfig>>;
}

export class Network {
  private defaults: LinkConfig;
  private readonly links = new Map<string, Partial<LinkConfig>>();
  private readonly groupOf = new Map<NodeId, number>();
  private readonly lastArrival = new Map<string, number>();
  groups: NodeId[][] = [];

  constructor(options: NetworkOptions = {}) {
    const { links, ...defaults } = options;
    this.defaults = validateLink({ ...DEFAULT_LINK, ...defaults }, "default");
    for (const [key, link] of Object.entries(links ?? {})) {
      const [from, to] = key.split("->");
      if (from === undefined || to === undefined) throw new Error(`network link key "${key}" must look like "a->b"`);
      this.setLink(from, to, link);
    }
  }

  /** Changes the defaults used by every link without its own override. */
  configure(options: Partial<LinkConfig>): void {
    this.defaults = validateLink({ ...this.defaults, ...options }, "default");
  }

  /** Overrides the behaviour of the directed link from → to. */
  setLink(from: NodeId, to: NodeId, options: Partial<LinkConfig>): void {
    const key = linkKey(from, to);
    const merged = { ...this.links.get(key), ...options };
    validateLink({ ...this.defaults, ...merged }, key);
    this.links.set(key, merged);
  }

  link(from: NodeId, to: NodeId): LinkConfig {
    const override = this.links.get(linkKey(from, to));
    return override === undefined ? this.defaults : { ...this.defaults, ...override };
  }

  /**
   * Splits the network into groups that cannot reach each other. An endpoint that appears in no group
   * (typically a test client) is not affected and still reaches everyone.
   */
  partition(groups: NodeId[][]): void {
    this.groupOf.clear();
    groups.forEach((group, index) => {
      for (const node of group) {
        if (this.groupOf.has(node)) throw new Error(`partition: node "${node}" appears in two groups`);
        this.groupOf.set(node, index);
      }
    });
    this.groups = groups.map((group) => [...group]);
  }

  heal(): void {
    this.groupOf.clear();
    this.groups = [];
  }

  connected(from: NodeId, to: NodeId): boolean {
    const a = this.groupOf.get(from);
    const b = this.groupOf.get(to);
    return a === undefined || b === undefined || a === b;
  }

  /** When a message sent now would arrive, given the link's delay and reordering rules. */
  arrivalTime(from: NodeId, to: NodeId, now: number, config: LinkConfig, random: Prng): number {
    let arrival = now + random.int(config.minDelay, config.maxDelay);
    if (random.chance(config.reorderRate)) {
      arrival += config.reorderDelay;
      if (config.reorderSpread > 0) arrival += random.int(0, config.reorderSpread);
    }
    if (config.fifo) {
      const key = linkKey(from, to);
      arrival = Math.max(arrival, this.lastArrival.get(key) ?? 0);
      this.lastArrival.set(key, arrival);
    }
    return arrival;
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}->${to}`;
}

function validateLink(config: LinkConfig, where: string): LinkConfig {
  const problem = (text: string): never => {
    throw new RangeError(`network link ${where}: ${text}`);
  };
  if (!Number.isInteger(config.minDelay) || config.minDelay < 0)
    problem(`minDelay must be a whole number ≥ 0, got ${config.minDelay}`);
  if (!Number.isInteger(config.maxDelay) || config.maxDelay < config.minDelay)
    problem(`maxDelay must be a whole number ≥ minDelay, got ${config.maxDelay}`);
  if (!Number.isInteger(config.reorderDelay) || config.reorderDelay < 0)
    problem(`reorderDelay must be a whole number ≥ 0`);
  if (!Number.isInteger(config.reorderSpread) || config.reorderSpread < 0)
    problem(`reorderSpread must be a whole number ≥ 0, got ${config.reorderSpread}`);
  for (const field of ["dropRate", "duplicateRate", "reorderRate"] as const) {
    const p = config[field];
    if (!(p >= 0 && p <= 1)) problem(`${field} must be a probability in [0, 1], got ${p}`);
  }
  return config;
}
