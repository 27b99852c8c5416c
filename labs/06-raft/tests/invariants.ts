// The safety properties of Raft (Figure 3 of the paper), checked at every step of the simulation: after
// each message or timer it handles, a server tells the tester what changed in its term, role and log (an
// Observation, see src/node.ts), and every apply it makes. A violation stops the run right there, with
// what was seen; the seed and the trace come with it (see cluster.ts).
import type { NodeId, Simulator } from "@distlab/kit/sim";
import type { Observation, TesterReport } from "../src/node.ts";

export class InvariantViolation extends Error {
  override name = "InvariantViolation";
}

/** An entry some server applied: the command at that index for every server, forever. */
export interface Committed {
  term: number;
  command: unknown;
  /** The service's digest of every command up to this index. */
  digest: string;
  by: NodeId;
}

export function sameCommand(a: unknown, b: unknown): boolean {
  return Object.is(a, b) || JSON.stringify(a) === JSON.stringify(b);
}

export function describeCommand(command: unknown): string {
  const text = JSON.stringify(command) ?? String(command);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

export class RaftInvariants {
  /** Election safety: the one server seen leading each term. */
  readonly leaders = new Map<number, NodeId>();
  /** State machine safety: what was applied at each index. */
  readonly committed = new Map<number, Committed>();
  /** Per server, the last index it applied (a command or a snapshot) in its current incarnation. */
  readonly appliedUpTo = new Map<NodeId, number>();
  /** How many times a server's state was read (to keep the cost of checking in sight). */
  observations = 0;
  private readonly leadersChecked = new Set<string>();
  private readonly currentRun = new Map<NodeId, number>();
  private readonly endedRuns = new Set<string>();
  private readonly notes = new Map<NodeId, string>();

  constructor(
    private readonly sim: Simulator,
    readonly servers: readonly NodeId[],
  ) {}

  /** The latest Observation of each running server. */
  readonly views = new Map<NodeId, Observation>();

  /** A server's Observation after one of its steps: election safety, log matching, leader completeness. */
  observe(server: NodeId, now: Observation): void {
    this.observations++;
    if (now.role === "leader") this.checkLeader(server, now);
    for (const [other, theirs] of this.views) if (other !== server) this.checkLogMatching(server, now, other, theirs);
    this.views.set(server, now);
    this.annotate(server, now);
  }

  /**
   * Whether a report comes from the server's current run. A report sent just before a crash can arrive
   * after it: it belongs to a run that is over, whose applies the restarted server starts again.
   */
  fromCurrentRun(server: NodeId, boot: number): boolean {
    if (this.endedRuns.has(`${server}#${boot}`)) return false;
    this.currentRun.set(server, boot);
    return true;
  }

  /** A server crashed or restarted: its applies start over (from its snapshot, if any). */
  forget(server: NodeId): void {
    const run = this.currentRun.get(server);
    if (run !== undefined) this.endedRuns.add(`${server}#${run}`);
    this.currentRun.delete(server);
    this.views.delete(server);
    this.appliedUpTo.delete(server);
  }

  /** What a server told the tester it applied: in order, and the same everywhere (state machine safety). */
  recordApply(server: NodeId, report: Extract<TesterReport, { type: "applied" | "applied-snapshot" }>): void {
    const previous = this.appliedUpTo.get(server) ?? 0;
    if (report.type === "applied-snapshot") {
      if (report.index < previous)
        this.fail(`${server} applied a snapshot up to ${report.index} after applying up to ${previous}`);
      const known = this.committed.get(report.index);
      if (known !== undefined && known.digest !== report.digest)
        this.fail(
          `${server} applied a snapshot up to ${report.index} whose state differs from what ${known.by} applied there`,
        );
      this.appliedUpTo.set(server, report.index);
      return;
    }
    if (report.index !== previous + 1)
      this.fail(
        `${server} applied index ${report.index} right after ${previous}: entries are applied in order, each once`,
      );
    const known = this.committed.get(report.index);
    if (known === undefined) {
      this.committed.set(report.index, {
        term: report.term,
        command: report.command,
        digest: report.digest,
        by: server,
      });
    } else if (!sameCommand(known.command, report.command) || known.term !== report.term) {
      this.fail(
        `state machine safety: ${known.by} applied ${describeCommand(known.command)} (term ${known.term}) at index ${report.index}, ` +
          `${server} applied ${describeCommand(report.command)} (term ${report.term})`,
      );
    } else if (known.digest !== report.digest) {
      this.fail(`${server} applied the same entry ${report.index} as ${known.by} on top of a different history`);
    }
    this.appliedUpTo.set(server, report.index);
  }

  private checkLeader(server: NodeId, now: Observation): void {
    const other = this.leaders.get(now.term);
    if (other !== undefined && other !== server)
      this.fail(`election safety: ${other} and ${server} are both leaders of term ${now.term}`);
    this.leaders.set(now.term, server);
    const key = `${server}@${now.term}`;
    if (this.leadersChecked.has(key)) return;
    this.leadersChecked.add(key);
    // Leader completeness: every entry applied anywhere before this server took office is in its log.
    for (const [index, entry] of this.committed) {
      if (index <= now.snapshotIndex) continue;
      const mine = termAt(now, index);
      if (mine !== entry.term)
        this.fail(
          `leader completeness: ${server} became leader of term ${now.term} without the committed entry ${index} ` +
            `(${describeCommand(entry.command)}, term ${entry.term}); its log has ${mine === undefined ? "nothing" : `term ${mine}`} there`,
        );
    }
  }

  /**
   * Log matching: where two logs hold an entry with the same index and term, they hold the same terms at
   * every index before it (the commands there are compared when they are applied).
   */
  private checkLogMatching(a: NodeId, mine: Observation, b: NodeId, theirs: Observation): void {
    const low = Math.max(mine.snapshotIndex, theirs.snapshotIndex) + 1;
    let top = Math.min(mine.lastIndex, theirs.lastIndex);
    while (top >= low && termAt(mine, top) !== termAt(theirs, top)) {
      // Both logs keep one term from the later of the two run starts up to `top`: they differ along all of it.
      top = Math.max(runStart(mine, top), runStart(theirs, top)) - 1;
    }
    if (top < low) return;
    for (const index of [...boundaries(mine, low, top), ...boundaries(theirs, low, top)]) {
      if (termAt(mine, index) !== termAt(theirs, index))
        this.fail(
          `log matching: ${a} and ${b} both hold entry ${top} of term ${termAt(mine, top)}, but differ at ${index}: ` +
            `term ${termAt(mine, index)} in ${a}, term ${termAt(theirs, index)} in ${b}`,
        );
    }
  }

  /** Writes what changed in a server's term, role or log into the trace, for the timeline. */
  private annotate(server: NodeId, now: Observation): void {
    const log = now.lastIndex === 0 ? "empty log" : `log ${now.snapshotIndex + 1}..${now.lastIndex}`;
    const terms = now.runs.map(([first, term]) => `${first}:t${term}`).join(" ");
    const snapshot = now.snapshotIndex > 0 ? `, snapshot ..${now.snapshotIndex}` : "";
    const note = `term ${now.term} ${now.role}, ${log}${terms === "" ? "" : ` (${terms})`}${snapshot}, commit ${now.commitIndex}`;
    if (this.notes.get(server) === note) return;
    this.notes.set(server, note);
    this.sim.annotate(server, note);
  }

  private fail(message: string): never {
    throw new InvariantViolation(`${message} (at t=${this.sim.now}ms)`);
  }
}

/** The term of the entry at `index` in an observed log (the snapshot's term at its last index). */
export function termAt(log: Observation, index: number): number | undefined {
  if (index === log.snapshotIndex) return log.snapshotTerm;
  if (index < log.snapshotIndex || index > log.lastIndex) return undefined;
  return log.runs[runOf(log, index)]![1];
}

/** The first index of the run of equal terms that holds `index` (past the snapshot). */
function runStart(log: Observation, index: number): number {
  if (index <= log.snapshotIndex) return log.snapshotIndex;
  return log.runs[runOf(log, index)]![0];
}

function runOf(log: Observation, index: number): number {
  let low = 0;
  let high = log.runs.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (log.runs[middle]![0] <= index) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** The indices in [low, high] where a run starts, plus `low`: comparing terms there compares the whole range. */
function boundaries(log: Observation, low: number, high: number): number[] {
  return [low, ...log.runs.map(([first]) => first).filter((first) => first > low && first <= high)];
}
