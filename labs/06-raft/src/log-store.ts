// The log on storage, one key per entry, so that persisting after an append writes the new entries and
// not the whole log again (a log of thousands of entries rewritten on every append makes every step
// slower than the last). Given code: persistence.ts (step 4) decides when to call it, and syncs.
import type { Env } from "@distlab/kit/sim";
import type { LogEntry } from "./messages.ts";

const RANGE_KEY = "raft/log-range";
const entryKey = (index: number) => `raft/entry/${index}`;

/** What the log is made of: the snapshot's last index and term, and the entries after it. */
export interface LogImage<C = unknown> {
  snapshotIndex: number;
  snapshotTerm: number;
  log: LogEntry<C>[];
}

interface StoredRange {
  snapshotIndex: number;
  snapshotTerm: number;
  lastIndex: number;
}

/**
 * Brings the stored log in line with `image`: writes the entries that differ and removes stored entries
 * the image no longer has (cut off by a conflict, or compacted into the snapshot). It finds where they
 * start to differ from the end: by Log Matching, an entry with the same index and term as the stored
 * one is preceded by the same entries, so nothing before it needs writing. Does not sync.
 */
export function writeLog(env: Env<unknown>, image: LogImage): void {
  const stored = env.storage.get<StoredRange>(RANGE_KEY) ?? { snapshotIndex: 0, snapshotTerm: 0, lastIndex: 0 };
  const lastIndex = image.snapshotIndex + image.log.length;
  const floor = Math.max(image.snapshotIndex, stored.snapshotIndex);
  let same = Math.min(lastIndex, stored.lastIndex);
  while (same > floor) {
    const mine = image.log[same - image.snapshotIndex - 1] as LogEntry;
    if (env.storage.get<LogEntry>(entryKey(same))?.term === mine.term) break;
    same--;
  }
  for (let index = Math.max(same, image.snapshotIndex) + 1; index <= lastIndex; index++)
    env.storage.set(entryKey(index), image.log[index - image.snapshotIndex - 1]);
  for (let index = lastIndex + 1; index <= stored.lastIndex; index++) env.storage.delete(entryKey(index));
  for (let index = stored.snapshotIndex + 1; index <= Math.min(image.snapshotIndex, stored.lastIndex); index++)
    env.storage.delete(entryKey(index));
  const range: StoredRange = { snapshotIndex: image.snapshotIndex, snapshotTerm: image.snapshotTerm, lastIndex };
  if (
    range.snapshotIndex !== stored.snapshotIndex ||
    range.snapshotTerm !== stored.snapshotTerm ||
    range.lastIndex !== stored.lastIndex
  )
    env.storage.set(RANGE_KEY, range);
}

/** The log as last written (and synced, if the server crashed since), or undefined when none was. */
export function readLog<C = unknown>(env: Env<unknown>): LogImage<C> | undefined {
  const range = env.storage.get<StoredRange>(RANGE_KEY);
  if (range === undefined) return undefined;
  const log: LogEntry<C>[] = [];
  for (let index = range.snapshotIndex + 1; index <= range.lastIndex; index++) {
    const entry = env.storage.get<LogEntry<C>>(entryKey(index));
    if (entry === undefined) throw new Error(`the stored log has no entry ${index} (range ${JSON.stringify(range)})`);
    log.push(entry);
  }
  return { snapshotIndex: range.snapshotIndex, snapshotTerm: range.snapshotTerm, log };
}
