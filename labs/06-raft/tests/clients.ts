// Clients that run beside a scenario instead of blocking it (MIT's tests start them as goroutines): each
// is a chain of actions scheduled in virtual time, so many run at once while the scenario crashes and
// reconnects servers.
import type { RaftCluster } from "./cluster.ts";
import { sameCommand } from "./invariants.ts";

/** MIT's one() as a background task: committed on `expected` servers within 10 s, or failed. */
export class BackgroundAgreement {
  done = false;
  failure: string | undefined;
  private readonly deadline: number;

  constructor(
    private readonly cluster: RaftCluster,
    readonly command: unknown,
    private readonly expected: number,
  ) {
    this.deadline = cluster.sim.now + 10_000;
    cluster.sim.after(0, () => this.attempt());
  }

  private attempt(): void {
    const { cluster } = this;
    if (cluster.sim.now >= this.deadline) {
      this.failure = `no agreement on ${JSON.stringify(this.command)} within 10 s`;
      return;
    }
    const index = startOnAnyLeader(cluster, this.command);
    if (index === -1) return cluster.sim.after(50, () => this.attempt());
    const tried = cluster.sim.now;
    const poll = () => {
      const { count, command } = cluster.nCommitted(index);
      if (count > 0 && count >= this.expected && sameCommand(command, this.command)) {
        this.done = true;
        return;
      }
      if (cluster.sim.now - tried >= 2_000) return this.attempt();
      cluster.sim.after(20, poll);
    };
    poll();
  }
}

/** Starts `command` on every running server; the index a leader gave it, or -1. */
export function startOnAnyLeader(cluster: RaftCluster, command: unknown): number {
  let index = -1;
  for (const server of cluster.servers) {
    if (!cluster.isUp(server)) continue;
    const answer = cluster.start(server, command);
    if (answer.isLeader) index = answer.index;
  }
  return index;
}

/**
 * A client of MIT's churn tests: offers random commands to every running server; when some leader takes
 * one, looks for it committed at that index a few times, then moves on after a pause. It remembers the
 * commands it saw committed: they must all be in the final log. (MIT's clients are slowed down by real
 * RPC latency; in virtual time a commit takes a few ms, so the pause keeps the log to a few hundred
 * entries instead of thousands.)
 */
export class ChurnClient {
  readonly committed: number[] = [];
  private stopped = false;

  constructor(
    private readonly cluster: RaftCluster,
    private readonly me: number,
  ) {
    cluster.sim.after(0, () => this.offer());
  }

  stop(): void {
    this.stopped = true;
  }

  private pauseThenOffer(): void {
    this.cluster.sim.after(this.cluster.rng.int(50, 150), () => this.offer());
  }

  private offer(): void {
    if (this.stopped) return;
    const { cluster } = this;
    const command = cluster.rng.int(0, 2 ** 31 - 1);
    const index = startOnAnyLeader(cluster, command);
    if (index === -1) return cluster.sim.after(79 + this.me * 17, () => this.offer());
    const waits = [10, 20, 50, 100, 200];
    const look = (attempt: number) => {
      const { count, command: there } = cluster.nCommitted(index);
      if (count > 0) {
        if (there === command) this.committed.push(command);
        return this.pauseThenOffer();
      }
      if (attempt >= waits.length) return this.pauseThenOffer();
      cluster.sim.after(waits[attempt]!, () => look(attempt + 1));
    };
    look(0);
  }
}
