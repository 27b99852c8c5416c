// One real server (s1, in the node host) whose two peers are the test itself: endpoints that answer Raft's
// messages as obliging followers would (grant every vote, accept every AppendEntries) and hold whatever
// the test wants to decide: AppendEntries replies (so an entry commits only when the test says), read
// probes (so a read is confirmed only when the test says). A raw client endpoint sends requests as a
// clerk would, with the session and sequence number the test chooses. Precise, step-by-step tests of the
// server's contract, with nothing left to timing.
import type {
  AppendEntries,
  AppendEntriesReply,
  RequestVote,
  RequestVoteReply,
} from "@distlab/lab/06-raft/messages.ts";
import { nodeHost } from "@distlab/kit/sandbox";
import type { LinkConfig, NodeId, SimClient, Simulator } from "@distlab/kit/sim";
import type { Command, KvMessage, Operation, ReadProbe, Result } from "../src/messages.ts";
import type { KvServerState } from "../src/server.ts";

export const SERVER = "s1";
export const PEERS = ["s2", "s3"];
export const CLIENT = "client";

const DIRECT: Partial<LinkConfig> = {
  minDelay: 1,
  maxDelay: 1,
  dropRate: 0,
  duplicateRate: 0,
  reorderRate: 0,
  fifo: true,
};

type PeerMessage = KvMessage | RequestVote | AppendEntries<Command> | { type: string };

export interface Received {
  from: NodeId;
  to: NodeId;
  time: number;
  msg: PeerMessage;
}

export class ScriptedCluster {
  /** Every message s1 sent to a peer or to the client, in order. */
  readonly received: Received[] = [];
  /** AppendEntries the peers have not answered yet (when acks are held). */
  readonly heldAppends: Array<{ peer: NodeId; msg: AppendEntries<Command> }> = [];
  /** Probes the peers have not answered yet (when probes are held). */
  readonly heldProbes: Array<{ peer: NodeId; msg: ReadProbe }> = [];
  holdAppends = false;
  holdProbes = true;
  /** The term the peers answer with (they follow s1's term unless the test moves them on). */
  peerTerm = 0;
  private readonly peers = new Map<NodeId, SimClient<unknown>>();
  private readonly client: SimClient<KvMessage>;

  private constructor(readonly sim: Simulator) {
    for (const peer of PEERS) {
      this.peers.set(
        peer,
        sim.addClient<PeerMessage>(peer, (from, msg) => this.onPeerMessage(peer, from, msg)),
      );
    }
    this.client = sim.addClient<KvMessage>(CLIENT, (from, msg) => this.record(from, CLIENT, msg));
    for (const id of [...PEERS, CLIENT]) {
      sim.setLink(SERVER, id, DIRECT);
      sim.setLink(id, SERVER, DIRECT);
    }
  }

  /** s1 with s2 and s3 as scripted peers; `maxLogEntries` as kvServerNode takes it. */
  static async open(sim: Simulator, maxLogEntries: number | null = null): Promise<ScriptedCluster> {
    const cluster = new ScriptedCluster(sim);
    const host = await nodeHost();
    const options = { servers: [SERVER, ...PEERS], maxLogEntries, raft: { electionTimeoutMs: [100, 100] } };
    sim.addNode(SERVER, host.node("server.ts", "kvServerNode", options));
    return cluster;
  }

  server(): KvServerState {
    return this.sim.state<KvServerState>(SERVER);
  }

  /** Runs until s1 leads and has committed its first entry of the term (acks flow freely meanwhile). */
  elect(within = 2_000): void {
    const hold = this.holdAppends;
    this.holdAppends = false;
    const done = () => {
      const raft = this.server().raft;
      return raft.role === "leader" && raft.commitIndex > 0 && raft.log.at(-1)?.term === raft.currentTerm;
    };
    const end = this.sim.now + within;
    while (!done()) {
      if (this.sim.now >= end) throw new Error(`s1 did not become leader and commit within ${within} ms`);
      this.sim.runFor(10);
    }
    this.holdAppends = hold;
  }

  /** The raw client sends a request, as a clerk with session `client` would. */
  request(op: Operation, seq: number, client = "raw"): void {
    this.client.send(SERVER, { type: "request", client, seq, op });
  }

  /** What s1 answered the raw client so far. */
  answers(): Array<KvMessage & { time: number }> {
    return this.client.inbox.map(({ msg, time }) => ({ ...msg, time }));
  }

  /** The answer to `seq`, if it came. */
  answer(seq: number): Result | "notLeader" | undefined {
    const found = this.answers().find((msg) => "seq" in msg && msg.seq === seq);
    if (found === undefined) return undefined;
    return found.type === "reply" ? found.result : "notLeader";
  }

  /** Messages of a type s1 sent, with their time. */
  sent<T extends string>(type: T): Received[] {
    return this.received.filter((r) => (r.msg as { type: string }).type === type);
  }

  /** Answers the held AppendEntries (all, or those matching `which`). */
  ackAppends(which: (msg: AppendEntries<Command>) => boolean = () => true): void {
    const keep = [];
    for (const held of this.heldAppends.splice(0)) {
      if (which(held.msg)) this.replyAppend(held.peer, held.msg);
      else keep.push(held);
    }
    this.heldAppends.push(...keep);
  }

  /** Answers the held probes of `round` with `term` (s1's current term by default). */
  ackProbes(round: number, term?: number): void {
    const keep = [];
    for (const held of this.heldProbes.splice(0)) {
      if (held.msg.round !== round) keep.push(held);
      else this.peers.get(held.peer)!.send(SERVER, { type: "readProbeAck", term: term ?? held.msg.term, round });
    }
    this.heldProbes.push(...keep);
  }

  /** The rounds of the probes s1 sent so far. */
  probeRounds(): number[] {
    return [...new Set(this.sent("readProbe").map((r) => (r.msg as ReadProbe).round))];
  }

  /** Every request that s1's log holds, in order. */
  loggedRequests(): Array<{ client: string; seq: number }> {
    return this.server().raft.log.flatMap((entry) => (entry.command.type === "batch" ? entry.command.requests : []));
  }

  private record(from: NodeId, to: NodeId, msg: unknown): void {
    this.received.push({ from, to, time: this.sim.now, msg: msg as PeerMessage });
  }

  private onPeerMessage(peer: NodeId, from: NodeId, msg: PeerMessage): void {
    this.record(from, peer, msg);
    const client = this.peers.get(peer)!;
    switch (msg.type) {
      case "RequestVote": {
        const vote = msg as RequestVote;
        this.peerTerm = Math.max(this.peerTerm, vote.term);
        const reply: RequestVoteReply = {
          type: "RequestVoteReply",
          term: this.peerTerm,
          voteGranted: vote.term >= this.peerTerm,
        };
        return client.send(from, reply);
      }
      case "AppendEntries": {
        const append = msg as AppendEntries<Command>;
        this.peerTerm = Math.max(this.peerTerm, append.term);
        if (this.holdAppends) return void this.heldAppends.push({ peer, msg: append });
        return this.replyAppend(peer, append);
      }
      case "readProbe":
        if (this.holdProbes) return void this.heldProbes.push({ peer, msg: msg as ReadProbe });
        return client.send(from, { type: "readProbeAck", term: this.peerTerm, round: (msg as ReadProbe).round });
    }
  }

  private replyAppend(peer: NodeId, msg: AppendEntries<Command>): void {
    const reply: AppendEntriesReply = {
      type: "AppendEntriesReply",
      term: Math.max(this.peerTerm, msg.term),
      success: true,
      matchIndex: msg.prevLogIndex + msg.entries.length,
      conflictTerm: 0,
      conflictIndex: 0,
    };
    this.peers.get(peer)!.send(SERVER, reply);
  }
}
