import type { Etcd3, Watcher } from "etcd3";
import type { Logger } from "pino";
import { todo } from "@distlab/kit/service";

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
    return todo("TODO(lab08 §1): list the prefix, then watch it from the revision after the listing; retry with backoff — see labs/08-discovery/README.md, step 1");
  }

  private apply(key: string, value: string | undefined): void {
    if (value === undefined) this.entries.delete(key);
    else this.entries.set(key, value);
    this.options.onChange(new Map(this.entries));
  }

  /** The watch broke: keep what we know, say we are disconnected, and list and watch again. */
  private async resync(watcher: Watcher, error: Error): Promise<void> {
    return todo("TODO(lab08 §1): keep the last entries, report the disconnection, drop this watcher and sync again — see labs/08-discovery/README.md, step 1");
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
