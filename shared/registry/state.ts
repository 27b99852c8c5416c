import type { Clock } from "./clock.ts";

/**
 * What every part of the registry shares: the clock, the agent's node, and the Raft-style index. Each
 * write takes the next index and records it on the tables it touched, so `X-Consul-Index` only ever grows
 * (Consul's rule: an index never goes backwards while the server lives) and a blocking query can ask
 * "has anything I read changed since index N?".
 */

export type Table = "nodes" | "services" | "checks" | "kvs" | "tombstones" | "sessions";

export interface AgentNode {
  id: string;
  name: string;
  address: string;
  datacenter: string;
}

export class RegistryState {
  private index = 0;
  private readonly tables = new Map<Table, number>();
  private readonly listeners = new Set<() => void>();
  private notifying = false;

  constructor(
    readonly clock: Clock,
    readonly node: AgentNode,
    /** Random numbers for jitter and staggering; tests pass a fixed one. */
    readonly random: () => number,
  ) {}

  get lastIndex(): number {
    return this.index;
  }

  /** Takes the next index for a write to these tables, and wakes the blocked queries once it is done. */
  commit(...tables: Table[]): number {
    this.index += 1;
    for (const table of tables) this.tables.set(table, this.index);
    this.scheduleNotify();
    return this.index;
  }

  /** The highest index of these tables (at least 1: Consul never answers index 0). */
  tableIndex(...tables: Table[]): number {
    return Math.max(1, ...tables.map((table) => this.tables.get(table) ?? 0));
  }

  /** Called after writes (once per burst of writes); returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private scheduleNotify(): void {
    if (this.notifying) return;
    this.notifying = true;
    queueMicrotask(() => {
      this.notifying = false;
      for (const listener of [...this.listeners]) listener();
    });
  }
}
