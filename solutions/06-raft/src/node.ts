// A Raft server as the tests, the search and the demo run it: Raft with a small service on top that
// stands in for a real state machine (Lab 07 puts a KV store there). The service keeps a digest of every
// command applied, reports each apply to the tester, and snapshots every `snapshotEvery` entries. After
// every step the node also tells the tester what changed in its term, role and log, in a few numbers, so
// that the tests check Raft's invariants at every step without copying whole logs around. Given code:
// you do not change this file, but reading it shows how a service sits on Raft.
import type { NodeDef, NodeId } from "@distlab/kit/sim";
import type { RaftMessage } from "./messages.ts";
import {
  initRaft,
  isRaftMessage,
  raftOnMessage,
  raftOnTimer,
  snapshot,
  start,
  takeApplies,
  type RaftConfig,
  type RaftState,
} from "./raft.ts";

export interface RaftNodeOptions extends RaftConfig {
  /** Where reports go (the test's client endpoint); none when omitted (the demo). */
  tester?: NodeId;
  /** Snapshot after every this many applied entries; never when 0 or omitted. */
  snapshotEvery?: number;
}

/** The service's whole state: how far it applied, and a digest of every command up to there. */
export interface ServiceState {
  applied: number;
  digest: string;
}

export interface RaftNodeState {
  /** Drawn at each start: reports carry it, so the tester can tell this run of the server from earlier ones. */
  boot: number;
  raft: RaftState<unknown>;
  service: ServiceState;
  /** The last Observation sent to the tester, as JSON (none is sent while nothing changes). */
  reported: string;
}

/**
 * What the tester sees of a server after a step: its term and role, its commit point, and its log as runs
 * of equal terms — [first index, term] for each run, after the snapshot (terms never decrease in a log).
 */
export interface Observation {
  term: number;
  role: RaftState["role"];
  commitIndex: number;
  snapshotIndex: number;
  snapshotTerm: number;
  lastIndex: number;
  runs: Array<[number, number]>;
}

/** What the tester sends: start a command (MIT's Start()); the answer carries the same `ref`. */
export interface StartRequest {
  type: "start";
  ref: number;
  command: unknown;
}

/** What a node tells the tester (besides answering start requests): each apply, and what changed. */
export type TesterReport = { boot: number } & (
  | { type: "applied"; index: number; term: number; command: unknown; digest: string }
  | { type: "applied-snapshot"; index: number; term: number; digest: string }
  | ({ type: "observed" } & Observation)
);

/** The answer to a StartRequest. */
export interface StartAnswer {
  type: "started";
  ref: number;
  index: number;
  term: number;
  isLeader: boolean;
}

/** Everything a node sends or receives. */
export type RaftNodeMessage = RaftMessage | StartRequest | StartAnswer | TesterReport;

/** The digest after applying `command` on top of `previous`: a 32-bit FNV-1a chain over the JSON of each command. */
export function nextDigest(previous: string, command: unknown): string {
  const text = `${previous}|${JSON.stringify(command)}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, "0");
}

export const EMPTY_DIGEST = "00000000";

/** The Observation of a Raft state. */
export function observe(raft: RaftState<unknown>): Observation {
  const runs: Array<[number, number]> = [];
  let lastTerm = -1;
  for (const entry of raft.log) {
    if (entry.term !== lastTerm) runs.push([entry.index, entry.term]);
    lastTerm = entry.term;
  }
  return {
    term: raft.currentTerm,
    role: raft.role,
    commitIndex: raft.commitIndex,
    snapshotIndex: raft.snapshotIndex,
    snapshotTerm: raft.snapshotTerm,
    lastIndex: raft.snapshotIndex + raft.log.length,
    runs,
  };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export function raftNode(options: RaftNodeOptions): NodeDef<RaftNodeState, RaftNodeMessage> {
  const report = (
    state: RaftNodeState,
    env: { send(to: NodeId, msg: unknown): void },
    msg: DistributiveOmit<TesterReport, "boot">,
  ) => {
    if (options.tester !== undefined) env.send(options.tester, { ...msg, boot: state.boot });
  };
  /** After each step: hand what was committed to the service, then tell the tester what changed. */
  const afterStep = (state: RaftNodeState, env: Parameters<typeof initRaft>[0]) => {
    deliverApplies(state, env);
    if (options.tester === undefined) return;
    const observation = observe(state.raft);
    const text = JSON.stringify(observation);
    if (text === state.reported) return;
    state.reported = text;
    report(state, env, { type: "observed", ...observation });
  };
  const deliverApplies = (state: RaftNodeState, env: Parameters<typeof initRaft>[0]) => {
    for (const apply of takeApplies(state.raft)) {
      if (apply.kind === "snapshot") {
        state.service = structuredClone(apply.data as ServiceState);
        report(state, env, {
          type: "applied-snapshot",
          index: apply.index,
          term: apply.term,
          digest: state.service.digest,
        });
        continue;
      }
      state.service.applied = apply.index;
      state.service.digest = nextDigest(state.service.digest, apply.command);
      const { index, term, command } = apply;
      report(state, env, { type: "applied", index, term, command, digest: state.service.digest });
      const every = options.snapshotEvery ?? 0;
      if (every > 0 && apply.index % every === 0) snapshot(state.raft, apply.index, { ...state.service }, env);
    }
  };
  return {
    init(env) {
      const state: RaftNodeState = {
        boot: Math.floor(env.random() * 2 ** 31),
        raft: initRaft(env, options),
        service: { applied: 0, digest: EMPTY_DIGEST },
        reported: "",
      };
      afterStep(state, env);
      return state;
    },
    onMessage(state, from, msg, env) {
      if (isRaftMessage(msg)) {
        raftOnMessage(state.raft, from, msg, env);
      } else if (msg.type === "start") {
        const result = start(state.raft, msg.command, env);
        const answer: StartAnswer = { type: "started", ref: msg.ref, ...result };
        env.send(from, answer);
      } else {
        env.log(`ignored a message of unknown type from ${from}`);
      }
      afterStep(state, env);
    },
    onTimer(state, timer, env) {
      if (!raftOnTimer(state.raft, timer, env)) env.log(`ignored timer "${timer.name}"`);
      afterStep(state, env);
    },
  };
}
