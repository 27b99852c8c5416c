// Every message of the KV service on Raft, as plain data, one section per conversation: a driver (a test,
// or the HTTP front) with a clerk, a clerk with the servers, and servers with each other when the leader
// confirms it still leads before answering a read. Raft's own messages are Lab 06's.
//
// Operations, their results and the session table are Lab 05's: the same store (Lab 01's keyspace, its
// versions and compare-and-set) executed at most once per client request. What this lab adds is where
// that execution happens: in log order, on every replica, once Raft has committed the request.
import type { Operation, Request, Result, Sessions } from "@distlab/lab/05-primary-backup/messages.ts";
import type { Keyspace } from "@distlab/lab/01-kv/keyspace.ts";

export type { Operation, Request, Result, Sessions };
export type NodeId = string;

// ---- Timing (virtual milliseconds in tests, real ones live) -------------------------------------------

/** How long a clerk waits for a server's answer before it tries the next server. */
export const CLERK_RETRY_MS = 100;
/** After a whole round of servers without a leader, a clerk waits this long, doubling up to the cap. */
export const CLERK_BACKOFF_MS = 20;
export const CLERK_BACKOFF_CAP_MS = 400;
/** How often a leader sends its read probes again while a round of them is unanswered. */
export const READ_PROBE_RETRY_MS = 50;

// ---- What the log holds -------------------------------------------------------------------------------

/**
 * One log entry: the clients' writes the leader gathered while its previous entry was being replicated
 * (one entry, one round of AppendEntries and one fsync for all of them), or the empty entry a new leader
 * commits to learn how far the log is committed.
 */
export type Command = { type: "batch"; requests: Request[] } | { type: "noop" };

/** What a server hands Raft as a snapshot: the whole state machine, sessions included. */
export interface KvSnapshot {
  keyspace: Keyspace;
  sessions: Sessions;
}

// ---- Clerk and servers --------------------------------------------------------------------------------

/** A client's request (Lab 05's `request`): `client` is the clerk's session id, `seq` numbers its operations. */
export type KvRequest = Request;

/** The server executed the request (or answered it from the session table): here is its result. */
export interface KvReply {
  type: "reply";
  seq: number;
  result: Result;
}

/** The server cannot answer: it is not the leader (`leader` is who it believes leads, when it knows). */
export interface NotLeader {
  type: "notLeader";
  seq: number;
  leader: NodeId | null;
}

// ---- Leader and followers: confirming leadership for a read -------------------------------------------

/** The leader asks: "is `term` still your term?" Round numbers tell answers to earlier probes apart. */
export interface ReadProbe {
  type: "readProbe";
  term: number;
  round: number;
}

/** A server's current term, in answer to a probe of round `round`. */
export interface ReadProbeAck {
  type: "readProbeAck";
  term: number;
  round: number;
}

// ---- Driving a clerk ----------------------------------------------------------------------------------

/** A test or the HTTP front asks a clerk to run one operation; `id` is the caller's. */
export interface Invoke {
  type: "invoke";
  id: number;
  op: Operation;
}

/**
 * The clerk's answer: the result, or `unknown` when it gave up (its deadline passed) without learning
 * whether a write took effect — it may have, or may still, take effect.
 */
export type Done = { type: "done"; id: number; result: Result } | { type: "done"; id: number; unknown: true };

export type KvMessage = KvRequest | KvReply | NotLeader | ReadProbe | ReadProbeAck | Invoke | Done;
