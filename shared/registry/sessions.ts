import { randomUUID } from "node:crypto";
import type { Timer } from "./clock.ts";
import { durationField, formatDuration } from "./durations.ts";
import { badRequest, notFound, RegistryError } from "./errors.ts";
import type { Fields } from "./fields.ts";
import type { RegistryState } from "./state.ts";

/**
 * Sessions, as Consul has them: a session holds locks on keys and ends when it is destroyed, when its TTL
 * runs out without a renewal (Consul waits up to twice the TTL before it reaps, and so does this registry),
 * or when a health check it is bound to goes critical. When it ends, the keys it held are released or
 * deleted (its Behavior) and stay unlockable for its LockDelay.
 */

const MIN_TTL_MS = 10_000;
const MAX_TTL_MS = 86_400_000;
/** Consul reaps a session between TTL and 2 × TTL after its last renewal; this registry at exactly 2 × TTL. */
export const TTL_MULTIPLIER = 2;
const DEFAULT_LOCK_DELAY_MS = 15_000;

export interface Session {
  id: string;
  name: string;
  node: string;
  lockDelayMs: number;
  behavior: "release" | "delete";
  /** As the client wrote it ("15s"), or "" for none. */
  ttl: string;
  nodeChecks: string[];
  serviceChecks: string[];
  createIndex: number;
  modifyIndex: number;
}

export interface CheckStatusView {
  /** The status of a check on this node, or undefined when there is no such check. */
  statusOf(checkId: string): string | undefined;
}

export type OnSessionEnd = (id: string, behavior: "release" | "delete", lockDelayMs: number) => void;

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly timers = new Map<string, Timer>();

  constructor(
    private readonly state: RegistryState,
    private readonly checks: CheckStatusView,
    private readonly onEnd: OnSessionEnd,
  ) {}

  exists(id: string): boolean {
    return this.sessions.has(id);
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  list(node?: string): Session[] {
    const all = [...this.sessions.values()].sort((a, b) => a.createIndex - b.createIndex);
    return node === undefined ? all : all.filter((session) => session.node === node);
  }

  tableIndex(): number {
    return this.state.tableIndex("sessions");
  }

  create(body: Fields): Session {
    const session = this.validate(body);
    this.sessions.set(session.id, session);
    this.startTimer(session);
    return session;
  }

  renew(id: string): Session {
    const session = this.sessions.get(id);
    if (!session) throw notFound(`Session id '${id}' not found`);
    this.startTimer(session);
    return session;
  }

  /** Ends a session; true even when it did not exist (Consul's destroy is idempotent). */
  destroy(id: string): boolean {
    this.end(id);
    return true;
  }

  /** A check went critical: every session bound to it ends. */
  checkWentCritical(checkId: string): void {
    for (const session of this.list())
      if (session.nodeChecks.includes(checkId) || session.serviceChecks.includes(checkId)) this.end(session.id);
  }

  private end(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.timers.get(id)?.cancel();
    this.timers.delete(id);
    this.sessions.delete(id);
    this.state.commit("sessions");
    this.onEnd(id, session.behavior, session.lockDelayMs);
  }

  private startTimer(session: Session): void {
    this.timers.get(session.id)?.cancel();
    if (session.ttl === "") return;
    const ttlMs = durationField(session.ttl, "TTL")!;
    this.timers.set(
      session.id,
      this.state.clock.setTimer(ttlMs * TTL_MULTIPLIER, () => this.end(session.id)),
    );
  }

  private validate(body: Fields): Session {
    const behavior = body.string("Behavior") || "release";
    if (behavior !== "release" && behavior !== "delete")
      throw badRequest(`Invalid Behavior setting '${behavior}': release or delete`);
    const ttl = body.string("TTL") ?? "";
    if (ttl !== "") {
      const ttlMs = durationField(ttl, "TTL")!;
      if (ttlMs < MIN_TTL_MS || ttlMs > MAX_TTL_MS)
        throw badRequest(
          `Invalid Session TTL '${ttl}', must be between [${formatDuration(MIN_TTL_MS)}=${formatDuration(MAX_TTL_MS)}]`,
        );
    }
    const node = body.string("Node") || this.state.node.name;
    if (node !== this.state.node.name) throw new RegistryError(500, `Missing node registration: '${node}'`);
    const nodeChecks = body.strings("NodeChecks") ?? body.strings("Checks") ?? ["serfHealth"];
    const serviceChecks = (body.objects("ServiceChecks") ?? []).map((check) => {
      const id = check.string("ID");
      if (!id) throw badRequest(`Request decode failed: ${check.where("ID")} is required`);
      return id;
    });
    for (const checkId of [...nodeChecks, ...serviceChecks]) {
      const status = this.checks.statusOf(checkId);
      if (status === undefined) throw new RegistryError(500, `Missing check '${checkId}' registration`);
      if (status === "critical") throw new RegistryError(500, `Check '${checkId}' is in critical state`);
    }
    const index = this.state.commit("sessions");
    return {
      id: randomUUID(),
      name: body.string("Name") ?? "",
      node,
      lockDelayMs: durationField(body.raw("LockDelay"), "LockDelay") ?? DEFAULT_LOCK_DELAY_MS,
      behavior,
      ttl,
      nodeChecks,
      serviceChecks,
      createIndex: index,
      modifyIndex: index,
    };
  }
}

/** A session as the session endpoints answer it (LockDelay in nanoseconds, as Go encodes a Duration). */
export function sessionJson(session: Session): Record<string, unknown> {
  return {
    ID: session.id,
    Name: session.name,
    Node: session.node,
    LockDelay: session.lockDelayMs * 1e6,
    Behavior: session.behavior,
    TTL: session.ttl,
    NodeChecks: session.nodeChecks,
    ServiceChecks: session.serviceChecks.length ? session.serviceChecks.map((id) => ({ ID: id })) : null,
    CreateIndex: session.createIndex,
    ModifyIndex: session.modifyIndex,
  };
}
