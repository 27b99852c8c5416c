import type { Etcd3, Watcher } from "etcd3";
import type { Logger } from "pino";

/**
 * Step 1: keep an up-to-date copy of everything under a prefix of etcd. List, then watch from the revision
 * right after the listing, so no change falls between the two; apply each put and delete to the copy. When
 * the watch breaks, keep the copy (it is the best knowledge there is), say so, and start over with a fresh
 * listing: after a reconnection the old revision may mean nothing (etcd may have been replaced by an empty
 * one), and a watch resumed from it would wait for changes that never come.
 */

export interface PrefixWatchOptions {
  /** The whole set of keys → values under the prefix, each time it changes. */
  onChange(entries: Map<string, string>): void;
  /** Whether the copy is being kept current (false while etcd cannot be reached). */
  onConnected(up: boolean): void;
  logger?: Logger | undefined;
}

export interface PrefixWatch {
  close(): Promise<void>;
}

const MIN_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;
const CANCEL_TIMEOUT_MS = 1_000;

export function watchPrefix(client: Etcd3, prefix: string, options: PrefixWatchOptions): PrefixWatch {
  const watch = new PrefixWatcher(client, prefix, options);
  void watch.sync();
  return watch;
}

class PrefixWatcher implements PrefixWatch {
  private entries = new Map<string, string>();
  private watcher: Watcher | undefined;
  private closed = false;
  private retryMs = MIN_RETRY_MS;

  constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    private readonly options: PrefixWatchOptions,
  ) {}

  /** Lists the prefix and watches it from the next revision; retries with backoff until it is done or closed. */
  async sync(): Promise<void> {
    // @solution §1 "list the prefix, then watch it from the revision after the listing; retry with backoff"
    while (!this.closed) {
      try {
        const listing = await this.client.getAll().prefix(this.prefix).exec();
        this.entries = new Map(listing.kvs.map((kv) => [kv.key.toString(), kv.value.toString()]));
        this.options.onChange(new Map(this.entries));
        const next = (BigInt(listing.header.revision) + 1n).toString();
        const watcher = await this.client.watch().prefix(this.prefix).startRevision(next).create();
        if (this.closed) return void (await cancel(watcher));
        this.watcher = watcher;
        watcher.on("put", (kv) => this.apply(kv.key.toString(), kv.value.toString()));
        watcher.on("delete", (kv) => this.apply(kv.key.toString(), undefined));
        watcher.once("disconnected", (error: Error) => void this.resync(watcher, error));
        this.retryMs = MIN_RETRY_MS;
        this.options.onConnected(true);
        return;
      } catch (error) {
        this.options.onConnected(false);
        this.options.logger?.warn({ prefix: this.prefix, err: (error as Error).message }, "etcd watch: cannot list");
        await new Promise((resolve) => setTimeout(resolve, this.retryMs));
        this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
      }
    }
    // @end
  }

  private apply(key: string, value: string | undefined): void {
    if (value === undefined) this.entries.delete(key);
    else this.entries.set(key, value);
    this.options.onChange(new Map(this.entries));
  }

  /** The watch broke: keep what we know, say we are disconnected, and list and watch again. */
  private async resync(watcher: Watcher, error: Error): Promise<void> {
    // @solution §1 "keep the last entries, report the disconnection, drop this watcher and sync again"
    if (this.watcher !== watcher) return;
    this.watcher = undefined;
    this.options.onConnected(false);
    this.options.logger?.warn({ prefix: this.prefix, err: error.message }, "etcd watch: disconnected");
    await cancel(watcher);
    await this.sync();
    // @end
  }

  async close(): Promise<void> {
    this.closed = true;
    const watcher = this.watcher;
    this.watcher = undefined;
    if (watcher) await cancel(watcher);
  }
}

/** Cancels a watcher; a watcher on a dead connection may never confirm, so this waits one second at most. */
async function cancel(watcher: Watcher): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    watcher.cancel().catch(() => {}),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, CANCEL_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
}
