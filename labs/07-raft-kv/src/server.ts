// A server of the replicated store: Lab 06's Raft and the KV state machine in one node, sharing its env.
// Raft's messages and timers go to Raft; clients' requests and read probes come here. After every event
// the server takes what Raft committed and applies it (apply.ts), notices when it gained or lost the
// leadership, hands waiting writes to Raft (writes.ts), answers reads it can answer (reads.ts), and
// compacts the log when it grew too long (snapshots.ts). Given code: the steps live in those files.
import { emptyKeyspace, type Keyspace } from "@distlab/lab/01-kv/keyspace.ts";
import {
  initRaft,
  isRaftMessage,
  raftOnMessage,
  raftOnTimer,
  type RaftConfig,
  type RaftMessage,
  type RaftState,
} from "@distlab/lab/06-raft/raft.ts";
import type { Env, NodeDef, NodeId, Timer, TimerId } from "@distlab/kit/sim";
import { applyCommitted } from "./apply.ts";
import type { Command, KvMessage, Operation, Request, Sessions } from "./messages.ts";
import {
  handleReadProbe,
  handleReadProbeAck,
  handleRead,
  onReadProbeTimer,
  READ_PROBE_TIMER,
  serveReads,
} from "./reads.ts";
import { maybeSnapshot } from "./snapshots.ts";
import { handleWrite, observeLeadership, proposeIfIdle } from "./writes.ts";

export type ServerMessage = KvMessage | RaftMessage;
export type ServerEnv = Env<ServerMessage>;

export interface KvServerOptions {
  /** Every server of the cluster, this one included, in the same order everywhere. */
  servers: NodeId[];
  /** Raft's timing (Lab 06's defaults when omitted). */
  raft?: Omit<RaftConfig, "servers">;
  /** Snapshot once Raft's log holds more than this many entries; null (the default) never snapshots. */
  maxLogEntries?: number | null;
}

/** A read waiting for its turn: the leadership confirmed by a probe round after it arrived, and its index applied. */
export interface PendingRead {
  from: NodeId;
  seq: number;
  op: Operation;
  /** The commit index when the read could first be ordered (-1 until this leader committed in its term). */
  readIndex: number;
  /** The probe round that must confirm the leadership before the read is answered. */
  round: number;
}

export interface ReadState {
  /** The last probe round started, and who acknowledged it in the current term (this server included). */
  started: number;
  acks: NodeId[];
  /** The last round a majority acknowledged. */
  confirmed: number;
  /** The timer that resends the probes of the round in flight. */
  timer: TimerId | null;
  waiting: PendingRead[];
}

export interface KvServerState {
  raft: RaftState<Command>;
  maxLogEntries: number | null;
  /** The state machine: Lab 01's keyspace and Lab 05's session table, as of entry `applied`. */
  keyspace: Keyspace;
  sessions: Sessions;
  applied: number;
  /** The term this server leads in, as the KV layer has taken it on; 0 when it does not lead. */
  leaderTerm: number;
  /** Writes this server will answer once applied: "client seq" → who asked. */
  waitingWrites: Record<string, NodeId>;
  /** Leader: writes not handed to Raft yet; they go in one entry when the entry in flight is applied. */
  proposals: Request[];
  /** Leader: index of the entry handed to Raft and not applied yet (0: none). */
  inFlight: number;
  reads: ReadState;
}

export function kvServerNode(options: KvServerOptions): NodeDef<KvServerState, ServerMessage> {
  const { servers } = options;
  if (!Array.isArray(servers) || servers.length === 0) throw new Error("kvServerNode: servers must list the cluster");
  const maxLogEntries = options.maxLogEntries ?? null;
  if (maxLogEntries !== null && !(Number.isInteger(maxLogEntries) && maxLogEntries > 0))
    throw new RangeError(`kvServerNode: maxLogEntries must be a positive integer or null, got ${maxLogEntries}`);
  return {
    init(env) {
      const state: KvServerState = {
        raft: initRaft<Command>(env as Env<RaftMessage>, { ...options.raft, servers }),
        maxLogEntries,
        keyspace: emptyKeyspace(),
        sessions: {},
        applied: 0,
        leaderTerm: 0,
        waitingWrites: {},
        proposals: [],
        inFlight: 0,
        reads: { started: 0, acks: [], confirmed: 0, timer: null, waiting: [] },
      };
      afterEvent(state, env);
      return state;
    },
    onMessage(state, from, msg, env) {
      if (isRaftMessage(msg)) raftOnMessage(state.raft as RaftState<unknown>, from, msg, env as Env<RaftMessage>);
      else handleKvMessage(state, from, msg, env);
      afterEvent(state, env);
    },
    onTimer(state, timer: Timer, env) {
      if (!raftOnTimer(state.raft as RaftState<unknown>, timer, env as Env<RaftMessage>)) {
        if (timer.name === READ_PROBE_TIMER) onReadProbeTimer(state, timer.payload as { round: number }, env);
      }
      afterEvent(state, env);
    },
  };
}

function handleKvMessage(state: KvServerState, from: NodeId, msg: KvMessage, env: ServerEnv): void {
  switch (msg.type) {
    case "request":
      if (state.raft.role !== "leader")
        return env.send(from, { type: "notLeader", seq: msg.seq, leader: state.raft.leaderId });
      if (msg.op.op === "get") return handleRead(state, from, msg, env);
      return handleWrite(state, from, msg, env);
    case "readProbe":
      return handleReadProbe(state, from, msg, env);
    case "readProbeAck":
      return handleReadProbeAck(state, from, msg, env);
    default:
      env.log(`ignored a ${msg.type} message from ${from}`);
  }
}

/** What follows every event, in this order: apply, take on or give up the leadership, propose, read, compact. */
function afterEvent(state: KvServerState, env: ServerEnv): void {
  applyCommitted(state, env);
  observeLeadership(state, env);
  proposeIfIdle(state, env);
  serveReads(state, env);
  maybeSnapshot(state, env);
}
