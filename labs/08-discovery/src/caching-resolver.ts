import type { Resolver, ServiceInstance } from "./resolver.ts";

/**
 * The registry-independent half of a resolver: a cache of the last set seen per service, subscribers told
 * of every change, and a `connected` flag. A registry-specific source feeds it: it calls `set` whenever it
 * learns a service's whole healthy set, and `connected` when its link to the registry goes up or down.
 */

export interface SourceSink {
  set(instances: ServiceInstance[]): void;
  connected(up: boolean): void;
}

export interface ServiceSource {
  /** Starts watching one service; stop() ends the watch. */
  watch(service: string, sink: SourceSink): { stop(): Promise<void> };
  close(): Promise<void>;
}

interface Watched {
  instances: ServiceInstance[];
  loaded: boolean;
  up: boolean;
  listeners: Set<(instances: ServiceInstance[]) => void>;
  stop: () => Promise<void>;
  firstSet: Promise<void>;
}

export class CachingResolver implements Resolver {
  private readonly watched = new Map<string, Watched>();
  private closed = false;

  constructor(private readonly source: ServiceSource) {}

  /** Watches `services` and waits until each has a first set, or `timeoutMs` passed (then it stays disconnected). */
  async start(services: string[], timeoutMs: number): Promise<void> {
    const firsts = services.map((service) => this.watch(service).firstSet);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(firsts), timeout]);
    clearTimeout(timer);
  }

  instances(service: string): ServiceInstance[] {
    return [...this.watch(service).instances];
  }

  subscribe(service: string, onChange: (instances: ServiceInstance[]) => void): () => void {
    const watched = this.watch(service);
    watched.listeners.add(onChange);
    onChange([...watched.instances]);
    return () => watched.listeners.delete(onChange);
  }

  get connected(): boolean {
    return [...this.watched.values()].every((watched) => watched.up);
  }

  /** Per service: what is cached and whether its watch is connected (the /discovery route shows it). */
  describe(service: string): { instances: ServiceInstance[]; connected: boolean; loaded: boolean } {
    const watched = this.watch(service);
    return { instances: [...watched.instances], connected: watched.up, loaded: watched.loaded };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.watched.values()].map((watched) => watched.stop()));
    this.watched.clear();
    await this.source.close();
  }

  private watch(service: string): Watched {
    const existing = this.watched.get(service);
    if (existing) return existing;
    if (this.closed) throw new Error("the resolver is closed");
    let loaded: () => void = () => {};
    const watched: Watched = {
      instances: [],
      loaded: false,
      up: false,
      listeners: new Set(),
      stop: async () => {},
      firstSet: new Promise<void>((resolve) => (loaded = resolve)),
    };
    this.watched.set(service, watched);
    const handle = this.source.watch(service, {
      set: (instances) => {
        const sorted = [...instances].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const changed = !watched.loaded || JSON.stringify(sorted) !== JSON.stringify(watched.instances);
        watched.instances = sorted;
        watched.loaded = true;
        loaded();
        if (changed) for (const listener of watched.listeners) listener([...sorted]);
      },
      connected: (up) => void (watched.up = up),
    });
    watched.stop = () => handle.stop();
    return watched;
  }
}
