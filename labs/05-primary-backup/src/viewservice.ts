// The view service: servers ping it, it decides who is primary and who is backup, and it tells anyone
// who asks. It moves to a new view only once the primary has acknowledged the current one, so that two
// servers never both act as primary of views that follow each other.
import type { Env, NodeDef, NodeId, Timer } from "@distlab/kit/sim";
import { PING_CHECK_MS, STARTUP_VIEW, type Message, type View } from "./messages.ts";
import { getOwn, setOwn } from "./records.ts";
import { todo } from "@distlab/kit/service";

export interface ViewServiceState {
  view: View;
  /** The primary of `view` has pinged with `view.num`: it has taken the view on. */
  primaryAcked: boolean;
  /** Servers that pinged since the last check (sorted). */
  pinged: NodeId[];
  /** Servers that pinged during the last full check interval (sorted): the ones still counted alive. */
  alive: NodeId[];
  /** The view number each server last pinged with: 0 means it has not heard of any view (yet, or again). */
  lastPing: Record<NodeId, number>;
  /** Servers of the current view that pinged with 0 after pinging a view: they restarted and lost their state. */
  restarted: NodeId[];
}

export const PING_CHECK_TIMER = "pingCheck";

export function viewServiceNode(): NodeDef<ViewServiceState, Message> {
  return {
    init(env) {
      env.setTimer(PING_CHECK_TIMER, PING_CHECK_MS);
      return { view: { ...STARTUP_VIEW }, primaryAcked: false, pinged: [], alive: [], lastPing: {}, restarted: [] };
    },
    onMessage(state, from, msg, env) {
      if (msg.type === "ping") handlePing(state, from, msg.view, env);
      else if (msg.type === "getView") env.send(from, { type: "view", view: state.view });
    },
    onTimer(state, timer: Timer, env) {
      if (timer.name !== PING_CHECK_TIMER) return;
      onPingCheckTimer(state, env);
      env.setTimer(PING_CHECK_TIMER, PING_CHECK_MS);
    },
  };
}

// ---- Step 1: the view service -------------------------------------------------------------------------

/** A server pinged with the number of the view it has taken on. Answers with the current view. */
export function handlePing(state: ViewServiceState, from: NodeId, viewNum: number, env: Env<Message>): void {
  return todo("TODO(lab05 §1): note the ping, record the primary's ack, start view 1 or move on if allowed, answer the view — see labs/05-primary-backup/README.md, step 1");
}

/** A check interval ended: whoever did not ping during it is dead. */
export function onPingCheckTimer(state: ViewServiceState, _env: Env<Message>): void {
  return todo("TODO(lab05 §1): those who pinged in this interval are the alive ones; start counting again, then move on if allowed — see labs/05-primary-backup/README.md, step 1");
}

/** Starts the next view if the current one is acknowledged and a change is due. */
export function moveOn(state: ViewServiceState): void {
  return todo("TODO(lab05 §1): never before the primary's ack; replace a dead primary by its backup, a dead backup by an idle server, add a missing backup — see labs/05-primary-backup/README.md, step 1");
}

function changeView(state: ViewServiceState, view: View): void {
  state.view = view;
  state.primaryAcked = false;
  state.restarted = [];
}
