import { BURST_PATIENCE_MS } from "@distlab/kit/test-http";
import { stopAllServices } from "@distlab/kit/harness";
import { inFlightAt } from "@distlab/kit/observe";
import { afterEach, describe, expect, it } from "vitest";
import { LOG } from "./disk.ts";
import { kvClient, restartKv, startKv } from "./kv-client.ts";

afterEach(stopAllServices);

/** How long each sync of the log is held, so that a shutdown can be started while one is running. */
const HOLD_MS = 3_000;

describe("graceful shutdown (README step 8)", () => {
  it("closes the log only after the flush in flight, and flushes the writes queued behind it [R01.8.1, R01.8.2, R01.P.20, R01.P.21]", async () => {
    const service = await startKv({}, { holdSyncMs: HOLD_MS });
    const observation = service.observation();
    const kv = kvClient(service.url, BURST_PATIENCE_MS);
    const isLogSync = (event: { kind: string; phase?: string; path?: string }) =>
      event.kind === "sync" && event.phase === "start" && event.path?.endsWith(`/${LOG}`) === true;

    // One write whose sync is held; writes from clients that will hang up queue behind it.
    const first = kv.put("first", "a");
    await observation.waitFor(isLogSync, "the sync of the first write to start");
    const abandoned = new AbortController();
    const inFlight = Array.from({ length: 6 }, (_, i) => kv.put(`flushing-${i}`, "b", undefined, abandoned.signal));
    await observation.waitFor(
      () => observation.requests((request) => request.url.startsWith("/kv/flushing-")).length === 6,
      "the six writes to arrive",
    );
    expect((await first).status).toBe(200);
    // Their batch is written and its sync held: now queue more, then hang up and stop the service.
    await observation.waitFor(
      () => observation.operations({ kind: "sync", file: LOG }).length === 2,
      "the second batch's sync to start",
    );
    const queued = Array.from({ length: 6 }, (_, i) => kv.put(`queued-${i}`, "c", undefined, abandoned.signal));
    await observation.waitFor(
      () => observation.requests((request) => request.url.startsWith("/kv/queued-")).length === 6,
      "the six queued writes to arrive",
    );
    abandoned.abort();
    await Promise.allSettled([...inFlight, ...queued]);
    const exit = await service.kill("SIGTERM");

    const serverClosed = observation.events.find((event) => event.kind === "server-close");
    expect(serverClosed, "the service stopped its server after SIGTERM").toBeDefined();
    expect(
      inFlightAt(observation, LOG, serverClosed!.seq).map((operation) => operation.kind),
      "this test needs a flush of the log to be running when shutdown reaches the store",
    ).toContain("sync");
    const closes = observation.operations({ kind: "close", file: LOG });
    expect(closes.length, `close() closes ${LOG} (README step 8, item 3)`).toBeGreaterThan(0);
    const running = inFlightAt(observation, LOG, closes[0]!.start).map((operation) => operation.kind);
    expect(running, `${LOG} was closed while a ${running.join(" and a ")} of it was still running`).toEqual([]);
    const writes = observation.requests((request) => request.method === "PUT");
    const unanswered = writes
      .filter((request) => !observation.replies((reply) => reply.id === request.id).length)
      .map((request) => request.url);
    expect(unanswered, "writes accepted before close must still be flushed and answered").toEqual([]);
    const failed = observation.operations({ file: LOG }).filter((operation) => operation.error !== undefined);
    expect(
      failed.map((operation) => `${operation.kind}: ${operation.error}`),
      "no operation on the log failed",
    ).toEqual([]);
    expect(exit, "the service exits by itself with code 0 after SIGTERM").toEqual({ code: 0, signal: null });

    const after = kvClient((await restartKv(service)).url);
    for (const reply of observation.replies((reply) => reply.method === "PUT" && reply.status === 200)) {
      const key = reply.url.slice("/kv/".length);
      expect((await after.get(key)).status, `${key} was acknowledged before shutdown`).toBe(200);
    }
  });
});
