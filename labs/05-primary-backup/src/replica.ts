// A replica of the store: primary, backup or idle, as the view service says. It pings the view service,
// takes each new view on, and plays its role: the primary serves clients and replicates to the backup
// (replication.ts); the backup applies what the primary forwards. A new backup first gets the whole state.
import { emptyKeyspace, type Keyspace } from "@distlab/lab/01-kv/keyspace.ts";
import type { Env, NodeDef, NodeId, Timer, TimerId } from "@distlab/kit/sim";
import {
  PING_MS,
  STARTUP_VIEW,
  type Message,
  type Request,
  type Sessions,
  type Transfer,
  type View,
} from "./messages.ts";
import { handleForward, handleForwardOk, handleRequest, onForwardTimer, pump, FORWARD_TIMER } from "./replication.ts";
import { todo } from "@distlab/kit/service";

/** sync: acknowledge a write once the backup has it. async: acknowledge first, forward after. */
export type Mode = "sync" | "async";

export interface ReplicaOptions {
  viewService: NodeId;
  mode: Mode;
}

/** The batch of requests the primary has forwarded and waits for its backup to acknowledge. */
export interface InFlight {
  batch: number;
  requests: Request[];
  timer: TimerId | null;
}

export interface ReplicaState {
  viewService: NodeId;
  mode: Mode;
  /** The latest view this server heard of. */
  view: View;
  /** The view it pings with: the last one it has fully taken on. */
  ackedView: number;
  keyspace: Keyspace;
  sessions: Sessions;
  /** As backup: the view whose state transfer it received; it accepts forwards of that view only. */
  syncedFor: number;
  /** As primary: waiting for the backup of `view` to confirm the state transfer. */
  transferring: boolean;
  /** As primary: requests not yet forwarded (sync: not executed yet; async: executed, not yet forwarded). */
  queue: Request[];
  inFlight: InFlight | null;
  nextBatch: number;
}

export const PING_TIMER = "ping";

export function replicaNode(options: ReplicaOptions): NodeDef<ReplicaState, Message> {
  if (options.mode !== "sync" && options.mode !== "async")
    throw new Error(`replicaNode: mode must be "sync" or "async", got ${JSON.stringify(options.mode)}`);
  return {
    init(env) {
      env.setTimer(PING_TIMER, 0);
      return {
        viewService: options.viewService,
        mode: options.mode,
        view: { ...STARTUP_VIEW },
        ackedView: 0,
        keyspace: emptyKeyspace(),
        sessions: {},
        syncedFor: 0,
        transferring: false,
        queue: [],
        inFlight: null,
        nextBatch: 0,
      };
    },
    onMessage(state, from, msg, env) {
      switch (msg.type) {
        case "view":
          return handleView(state, msg.view, env);
        case "request":
          return handleRequest(state, from, msg, env);
        case "forward":
          return handleForward(state, from, msg, env);
        case "forwardOk":
          return handleForwardOk(state, msg, env);
        case "transfer":
          return handleTransfer(state, from, msg, env);
        case "transferOk":
          return handleTransferOk(state, msg.view, env);
      }
    },
    onTimer(state, timer: Timer, env) {
      if (timer.name === PING_TIMER) onPingTimer(state, env);
      else if (timer.name === FORWARD_TIMER) onForwardTimer(state, (timer.payload as { batch: number }).batch, env);
    },
  };
}

export function isPrimary(state: ReplicaState, env: Env<Message>): boolean {
  return state.view.primary === env.id;
}

// ---- Step 2: pings and views --------------------------------------------------------------------------

/** Every PING_MS: tell the view service this server is alive and which view it has taken on. */
export function onPingTimer(state: ReplicaState, env: Env<Message>): void {
  return todo("TODO(lab05 §2): ping with the view taken on; a primary still transferring sends the state again; re-arm — see labs/05-primary-backup/README.md, step 2");
}

/** The view service answered. A newer view changes this server's role. */
export function handleView(state: ReplicaState, view: View, env: Env<Message>): void {
  return todo("TODO(lab05 §2): adopt a newer view; a primary with a backup transfers its state before it acks, anyone else acks at once — see labs/05-primary-backup/README.md, step 2");
}

// ---- Step 4: state transfer ---------------------------------------------------------------------------

export function sendTransfer(state: ReplicaState, env: Env<Message>): void {
  const backup = state.view.backup;
  if (backup === null) return;
  env.send(backup, { type: "transfer", view: state.view, keyspace: state.keyspace, sessions: state.sessions });
}

/** A primary sends its whole state to the backup of its view. Take it on, once per view. */
export function handleTransfer(state: ReplicaState, from: NodeId, msg: Transfer, env: Env<Message>): void {
  return todo("TODO(lab05 §4): accept the state for a view where this server is backup, once; always confirm it — see labs/05-primary-backup/README.md, step 4");
}

/** The backup has the state: the primary takes the view on (its next ping acks it) and starts serving. */
export function handleTransferOk(state: ReplicaState, viewNum: number, env: Env<Message>): void {
  return todo("TODO(lab05 §4): for the current view only: stop transferring, ack the view, serve what waits — see labs/05-primary-backup/README.md, step 4");
}
