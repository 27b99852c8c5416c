// Step 4: persistence. MIT 6.5840's tests 3C about crashes, in virtual time, on storage that loses every
// write not synced when the server crashes. Plus two direct checks: a server that granted a vote, or
// acknowledged entries, and crashed right after, still has them when it restarts.
import { describe, expect, it } from "vitest";
import { ELECTION_TIMEOUT_MS, inCluster, type RaftCluster, LONG_TEST_MS } from "./cluster.ts";

/** Crashes a server in the same instant it sends a message that `matches`, and restarts it `downMs` later. */
function crashRightAfter(
  cluster: RaftCluster,
  matches: (msg: { type?: string; voteGranted?: boolean; success?: boolean; matchIndex?: number }) => boolean,
  onCrash: (server: string, msg: never) => void,
  downMs = 30,
): void {
  let busy = false;
  cluster.sim.observe({
    onSend: (from, _to, msg) => {
      if (busy || !cluster.servers.includes(from) || !matches(msg as never)) return;
      busy = true;
      cluster.sim.after(0, () => {
        onCrash(from, msg as never);
        cluster.crash(from);
        cluster.sim.after(downMs, () => {
          cluster.restart(from);
          busy = false;
        });
      });
    },
  });
}

describe("persistence", { timeout: LONG_TEST_MS }, () => {
  it("keeps a granted vote across a crash right after granting it [R06.4.1, R06.4.2, R06.P.4, R06.P.5]", async () => {
    await inCluster("vote survives a crash", { servers: 3, seeds: 3 }, (cluster) => {
      const votes: Array<{ server: string; term: number; votedFor: string | null }> = [];
      crashRightAfter(
        cluster,
        (msg) => msg.type === "RequestVoteReply" && msg.voteGranted === true,
        (server) => {
          const raft = cluster.state(server);
          votes.push({ server, term: raft.currentTerm, votedFor: raft.votedFor });
        },
      );
      const checked = () => {
        for (const vote of votes.splice(0)) {
          if (!cluster.isUp(vote.server)) continue;
          const raft = cluster.state(vote.server);
          expect(raft.currentTerm, `${vote.server}'s term after its restart`).toBeGreaterThanOrEqual(vote.term);
          if (raft.currentTerm === vote.term)
            expect(raft.votedFor, `${vote.server} voted in term ${vote.term}, crashed, restarted`).toBe(vote.votedFor);
        }
      };
      for (let round = 0; round < 6; round++) {
        cluster.checkOneLeader();
        cluster.sleep(100);
        checked();
        cluster.disconnect(cluster.checkOneLeader());
        cluster.sleep(ELECTION_TIMEOUT_MS);
        checked();
        for (const server of cluster.servers) cluster.connect(server);
      }
    });
  });

  it("keeps acknowledged entries across a crash right after acknowledging them [R06.4.1, R06.4.2, R06.P.5]", async () => {
    await inCluster("entries survive a crash", { servers: 3, seeds: 3 }, (cluster) => {
      const acknowledged: Array<{ server: string; upTo: number }> = [];
      crashRightAfter(
        cluster,
        (msg) => msg.type === "AppendEntriesReply" && msg.success === true && (msg.matchIndex ?? 0) > 0,
        (server, msg: { matchIndex: number }) => acknowledged.push({ server, upTo: msg.matchIndex }),
        5,
      );
      for (let i = 0; i < 15; i++) {
        const leader = cluster.checkOneLeader();
        cluster.start(leader, 1000 + i);
        cluster.sleep(20);
        for (const { server, upTo } of acknowledged.splice(0)) {
          if (!cluster.isUp(server)) continue;
          expect(
            cluster.view(server).lastIndex,
            `${server} acknowledged entries up to ${upTo}, then crashed`,
          ).toBeGreaterThanOrEqual(upTo);
        }
      }
    });
  });

  it("recovers from crashes of every server, of the leader, and of followers [R06.4.2, R06.4.1]", async () => {
    await inCluster("basic persistence", { servers: 3 }, (cluster) => {
      cluster.one(11, 3, true);
      for (const server of cluster.servers) cluster.restart(server);
      cluster.one(12, 3, true);
      const leader1 = cluster.checkOneLeader();
      cluster.restart(leader1);
      cluster.one(13, 3, true);
      const leader2 = cluster.checkOneLeader();
      cluster.disconnect(leader2);
      cluster.one(14, 2, true);
      cluster.restart(leader2);
      cluster.wait(4, 3, -1);
      const i3 = cluster.after(cluster.checkOneLeader(), 1);
      cluster.disconnect(i3);
      cluster.one(15, 2, true);
      cluster.restart(i3);
      cluster.one(16, 3, true);
    });
  });

  it("recovers from repeated crashes of a majority [R06.4.2, R06.2.5]", async () => {
    await inCluster("more persistence", { servers: 5 }, (cluster) => {
      let index = 1;
      for (let iteration = 0; iteration < 5; iteration++) {
        cluster.one(10 + index++, 5, true);
        const leader1 = cluster.checkOneLeader();
        const at = (offset: number) => cluster.after(leader1, offset);
        cluster.disconnect(at(1));
        cluster.disconnect(at(2));
        cluster.one(10 + index++, 3, true);
        cluster.disconnect(at(0));
        cluster.disconnect(at(3));
        cluster.disconnect(at(4));
        cluster.restart(at(1));
        cluster.restart(at(2));
        cluster.sleep(ELECTION_TIMEOUT_MS);
        cluster.restart(at(3));
        cluster.one(10 + index++, 3, true);
        cluster.connect(at(4));
        cluster.connect(at(0));
      }
      cluster.one(1000, 5, true);
    });
  });

  it("recovers when a cut-off leader and a follower crash and the leader restarts [R06.4.2, R06.3.1]", async () => {
    await inCluster("partitioned leader and one follower crash, leader restarts", { servers: 3 }, (cluster) => {
      cluster.one(101, 3, true);
      const leader = cluster.checkOneLeader();
      const at = (offset: number) => cluster.after(leader, offset);
      cluster.disconnect(at(2));
      cluster.one(102, 2, true);
      cluster.crash(at(0));
      cluster.crash(at(1));
      cluster.connect(at(2));
      cluster.restart(at(0));
      cluster.one(103, 2, true);
      cluster.restart(at(1));
      cluster.one(104, 3, true);
    });
  });
});
