import { randomUUID } from "node:crypto";
import type { AddressInfo, Socket } from "node:net";
import { hostname } from "node:os";
import { Catalog, type CheckRecord } from "./catalog.ts";
import type { CheckStatus } from "./checks.ts";
import { systemClock, type Clock, type Timer } from "./clock.ts";
import { Fields } from "./fields.ts";
import { agentRoutes, CONSUL_SERVICE_ID } from "./http/agent-routes.ts";
import { healthRoutes } from "./http/health-routes.ts";
import { kvRoutes } from "./http/kv-routes.ts";
import { Router } from "./http/router.ts";
import { createHttpFace, type RequestStats } from "./http/server.ts";
import { sessionRoutes } from "./http/session-routes.ts";
import { KvStore } from "./kv.ts";
import { CheckRunner } from "./probes.ts";
import { SessionStore } from "./sessions.ts";
import { RegistryState } from "./state.ts";

/**
 * The embedded Consul-compatible dev registry: one process that is agent and server at once, in memory
 * (like `consul agent -dev`: a restart forgets everything), speaking the subset of Consul's HTTP API the
 * course uses. See README.md in this folder for the subset and where it differs from Consul.
 */

export interface RegistryOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** The real clock by default; kit tests pass a ManualClock. */
  clock?: Clock;
  /** Jitter of blocking queries and the stagger of the first HTTP/TCP probe; Math.random by default. */
  random?: () => number;
  nodeName?: string;
  datacenter?: string;
  /** How often services whose check stayed critical past DeregisterCriticalServiceAfter are removed (Consul: 30 s). */
  reapIntervalMs?: number;
  /** The smallest DeregisterCriticalServiceAfter honoured (Consul: 1 minute). */
  minimumDeregisterAfterMs?: number;
  /** Told of each HTTP or TCP probe's result once applied (before thresholds turn it into a status). */
  onProbe?: (checkId: string, status: CheckStatus, output: string) => void;
}

export interface EmbeddedRegistry {
  /** http://host:port — what CONSUL_HTTP_ADDR would be set to (with the scheme). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Requests received per route since the start (or the last resetStats). */
  stats(): RequestStats;
  resetStats(): void;
  /** Stops answering and drops every connection, blocked queries included, as a crashed agent would. */
  close(): Promise<void>;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<EmbeddedRegistry> {
  const clock = options.clock ?? systemClock;
  const host = options.host ?? "127.0.0.1";
  const state = new RegistryState(
    clock,
    {
      id: randomUUID(),
      name: options.nodeName ?? hostname(),
      address: "127.0.0.1",
      datacenter: options.datacenter ?? "dc1",
    },
    options.random ?? Math.random,
  );
  const runner = new CheckRunner(state, () => catalog, options.onProbe);
  const sessions = new SessionStore(state, { statusOf: (id) => catalog.check(id)?.status }, (id, behavior, delay) =>
    kv.invalidateSession(id, behavior, delay),
  );
  const kv = new KvStore(state, sessions);
  const catalog = new Catalog(state, {
    checkAdded: (check) => runner.start(check),
    checkRemoved: (check) => {
      runner.stop(check.id);
      sessions.checkWentCritical(check.id);
    },
    checkWentCritical: (check) => sessions.checkWentCritical(check.id),
  });
  catalog.register(Fields.of({ ID: CONSUL_SERVICE_ID, Name: "consul", Port: 8300 }), false);

  const router = new Router().add([
    ...kvRoutes(state, kv),
    ...agentRoutes(state, catalog, runner),
    ...healthRoutes(state, catalog),
    ...sessionRoutes(state, sessions),
  ]);
  const face = createHttpFace(router, state.node.datacenter);
  const sockets = new Set<Socket>();
  face.server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    face.server.once("error", reject);
    face.server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (face.server.address() as AddressInfo).port;
  const reaper = startReaper(state, catalog, options);

  return {
    url: `http://${host}:${port}`,
    host,
    port,
    stats: face.stats,
    resetStats: face.resetStats,
    async close() {
      reaper.cancel();
      runner.stopAll();
      const closed = new Promise<void>((resolve) => face.server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Consul's reaper: a service whose check has been critical for longer than its DeregisterCriticalServiceAfter goes. */
function startReaper(state: RegistryState, catalog: Catalog, options: RegistryOptions): Timer {
  const every = options.reapIntervalMs ?? 30_000;
  const minimum = options.minimumDeregisterAfterMs ?? 60_000;
  const overdue = (check: CheckRecord) => {
    const after = check.definition?.deregisterCriticalAfterMs;
    if (!after || check.criticalSince === undefined) return false;
    return state.clock.now() - check.criticalSince >= Math.max(after, minimum);
  };
  let timer: Timer;
  const tick = () => {
    const doomed = new Set(
      catalog
        .allChecks()
        .filter(overdue)
        .map((check) => check.serviceId),
    );
    for (const serviceId of doomed) if (serviceId && catalog.service(serviceId)) catalog.deregister(serviceId);
    timer = state.clock.setTimer(every, tick);
  };
  timer = state.clock.setTimer(every, tick);
  return { cancel: () => timer.cancel() };
}
