// Reading and cutting the log by Raft index, whatever the snapshot has already compacted. Every other
// file goes through these, so that "index" always means the same thing: the entry's position in the
// whole history, starting at 1, not its position in the array.
import type { LogEntry } from "./messages.ts";
import type { RaftState } from "./state.ts";

type Raft = RaftState<unknown>;

export function lastLogIndex(raft: Raft): number {
  return raft.snapshotIndex + raft.log.length;
}

export function lastLogTerm(raft: Raft): number {
  return raft.log.length === 0 ? raft.snapshotTerm : raft.log[raft.log.length - 1]!.term;
}

/** The entry at `index`, or undefined when it is past the end or compacted into the snapshot. */
export function entryAt<C>(raft: RaftState<C>, index: number): LogEntry<C> | undefined {
  if (index <= raft.snapshotIndex) return undefined;
  return raft.log[index - raft.snapshotIndex - 1];
}

/**
 * The term of the entry at `index`: 0 for index 0 (before the first entry), the snapshot's term for the
 * last index it covers, undefined when the entry is past the end or compacted away.
 */
export function termAt(raft: Raft, index: number): number | undefined {
  if (index === raft.snapshotIndex) return raft.snapshotTerm;
  return entryAt(raft, index)?.term;
}

/** Up to `max` entries starting at `index` (which must be past the snapshot), as copies to send. */
export function entriesFrom<C>(raft: RaftState<C>, index: number, max: number): LogEntry<C>[] {
  if (index <= raft.snapshotIndex) throw new RangeError(`entriesFrom(${index}): compacted into the snapshot`);
  const start = index - raft.snapshotIndex - 1;
  return raft.log.slice(start, start + max);
}

/** Removes the entry at `index` and every one after it. */
export function truncateFrom(raft: Raft, index: number): void {
  if (index <= raft.snapshotIndex) throw new RangeError(`truncateFrom(${index}): compacted into the snapshot`);
  raft.log.length = Math.max(0, index - raft.snapshotIndex - 1);
}

/** The first index of the log that holds an entry of `term`, or undefined. */
export function firstIndexOfTerm(raft: Raft, term: number): number | undefined {
  const position = raft.log.findIndex((entry) => entry.term === term);
  return position < 0 ? undefined : raft.snapshotIndex + position + 1;
}

/** The last index of the log that holds an entry of `term`, or undefined. */
export function lastIndexOfTerm(raft: Raft, term: number): number | undefined {
  const position = raft.log.findLastIndex((entry) => entry.term === term);
  return position < 0 ? undefined : raft.snapshotIndex + position + 1;
}
