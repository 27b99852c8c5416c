// Every message of the system, as plain data. One section per conversation: servers and clients with the
// view service, clients with the primary, the primary with its backup, clients with the cache, and the
// driver (a test, or the HTTP front) with a client.
import type { Keyspace } from "@distlab/lab/01-kv/keyspace.ts";

export type NodeId = string;

// ---- Timing (virtual milliseconds in tests, real ones live) -------------------------------------------

/** How often a server pings the view service. */
export const PING_MS = 25;
/** How often the view service checks who pinged: a server silent for a whole check interval is dead. */
export const PING_CHECK_MS = 100;
/** How long a client waits for an answer before it asks the view service again and resends. */
export const CLIENT_RETRY_MS = 100;
/** How long the primary waits for its backup before it resends a forward or a state transfer. */
export const FORWARD_RETRY_MS = 25;
/** How long a client told to wait (a hot miss) waits before it asks the cache again. */
export const HOT_MISS_WAIT_MS = 10;
/** How long a lease reserves a missing key for the client that got it. */
export const LEASE_MS = 200;

// ---- Views --------------------------------------------------------------------------------------------

/** Who serves, as the view service decided. View 0 is the start-up view: nobody serves yet. */
export interface View {
  num: number;
  primary: NodeId | null;
  backup: NodeId | null;
}

export const STARTUP_VIEW: View = { num: 0, primary: null, backup: null };

/** A server is alive and has taken on view `view` (for a primary: its backup has the whole state). */
export interface Ping {
  type: "ping";
  view: number;
}

/** A client asks which view is current. */
export interface GetView {
  type: "getView";
}

/** The view service's answer to a ping or a getView. */
export interface ViewReply {
  type: "view";
  view: View;
}

// ---- Client operations --------------------------------------------------------------------------------

/** What a client asks the store to do. `put` and `delete` may carry Lab 01's condition on the key's version. */
export type Operation =
  | { op: "get"; key: string }
  | { op: "put"; key: string; value: string; ifMatch?: number }
  | { op: "append"; key: string; value: string }
  | { op: "delete"; key: string; ifMatch?: number };

/** What an operation returned: the entry read, the version written, whether a key was deleted, or a refusal. */
export type Result =
  | { value: string | null; version: number | null }
  | { version: number }
  | { deleted: boolean }
  | { mismatch: number | null };

/** A client's request; `seq` numbers the client's operations 1, 2, 3… so a retry is recognised. */
export interface Request {
  type: "request";
  client: NodeId;
  seq: number;
  op: Operation;
}

export interface Reply {
  type: "reply";
  seq: number;
  result: Result;
}

// ---- Primary and backup -------------------------------------------------------------------------------

/** What the primary remembers of each client: its last request executed and that request's result. */
export type Sessions = Record<NodeId, { seq: number; result: Result }>;

/** The primary hands requests to its backup, in order, numbered by batch. */
export interface Forward {
  type: "forward";
  view: number;
  batch: number;
  requests: Request[];
}

export interface ForwardOk {
  type: "forwardOk";
  view: number;
  batch: number;
}

/** The primary's whole state, for a new backup. */
export interface Transfer {
  type: "transfer";
  view: View;
  keyspace: Keyspace;
  sessions: Sessions;
}

export interface TransferOk {
  type: "transferOk";
  view: number;
}

// ---- Look-aside cache ---------------------------------------------------------------------------------

/** What the cache keeps for a key: the result of a get. */
export interface Cached {
  value: string | null;
  version: number | null;
}

export interface CacheGet {
  type: "cacheGet";
  key: string;
  /** The client's seq of the operation, so that a late answer to an earlier one is recognised. */
  seq: number;
}

export interface CacheHit {
  type: "cacheHit";
  key: string;
  seq: number;
  entry: Cached;
}

/** A miss with a lease: only the holder of `token` may fill the key. */
export interface CacheMiss {
  type: "cacheMiss";
  key: string;
  seq: number;
  token: number;
}

/** A hot miss: another client holds the key's lease and is filling it; ask again shortly. */
export interface CacheWait {
  type: "cacheWait";
  key: string;
  seq: number;
}

export interface CacheSet {
  type: "cacheSet";
  key: string;
  entry: Cached;
  token: number;
}

export interface CacheDelete {
  type: "cacheDelete";
  key: string;
  seq: number;
}

export interface CacheDeleted {
  type: "cacheDeleted";
  key: string;
  seq: number;
}

// ---- Driving a client ---------------------------------------------------------------------------------

/** A test or the HTTP front asks a client to run one operation; `id` is the caller's. */
export interface Invoke {
  type: "invoke";
  id: number;
  op: Operation;
}

export interface Done {
  type: "done";
  id: number;
  result: Result;
}

export type Message =
  | Ping
  | GetView
  | ViewReply
  | Request
  | Reply
  | Forward
  | ForwardOk
  | Transfer
  | TransferOk
  | CacheGet
  | CacheHit
  | CacheMiss
  | CacheWait
  | CacheSet
  | CacheDelete
  | CacheDeleted
  | Invoke
  | Done;
