import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { stopAllServices } from "@distlab/kit/harness";
import { burst } from "@distlab/kit/test-http";
import { firstWriteContaining } from "@distlab/kit/observe";
import { afterEach, describe, expect, it } from "vitest";
import { atRest, gauge, LOG, overlappingFlushes, readFrames, repliesBeforeTheirSync } from "./disk.ts";
import { call, kvClient, restartKv, show, startKv } from "./kv-client.ts";

afterEach(stopAllServices);

/**
 * Rounds of concurrent writes, each round waiting for the last; every reply must be a 200. A round is one
 * pipelined burst (see `burst`): every write of it reaches the store while its first flush runs, on an
 * idle machine as on a loaded one.
 */
async function writeInRounds(base: string, rounds: number, writers: number, prefix = "w") {
  for (let round = 0; round < rounds; round++) {
    const replies = await burst(
      base,
      Array.from({ length: writers }, (_, i) => ({
        method: "PUT" as const,
        path: `/kv/${prefix}-${round}-${i}`,
        json: { value: `value ${round}/${i}` },
      })),
    );
    for (const reply of replies) expect(reply.status, show(reply)).toBe(200);
  }
}

describe("what the store does on disk, in order (README steps 1, 3 and 7)", () => {
  it("acknowledges a write only after a sync of the log that started after its record was written [R01.3.1, R01.3.2, R01.P.4]", async () => {
    const service = await startKv({}, {});
    await writeInRounds(service.url, 5, 24);
    const observation = service.observation();
    await atRest(observation, 120);
    expect(observation.replies((reply) => reply.method === "PUT")).toHaveLength(120);
    expect(repliesBeforeTheirSync(observation).slice(0, 5), "acknowledgements that came before their sync").toEqual([]);
  });

  it("runs one flush at a time: no write or sync of the log while another is running [R01.3.2, R01.P.5]", async () => {
    const service = await startKv({}, {});
    await writeInRounds(service.url, 4, 48);
    const observation = service.observation();
    await atRest(observation, 192);
    expect(observation.operations({ kind: "sync", file: LOG }).length, "syncs of the log").toBeGreaterThan(0);
    expect(overlappingFlushes(observation).slice(0, 3)).toEqual([]);
  });

  it("reports on /metrics what it did: its syncs, its durable records, its keys, revision and log size [R01.0.11, R01.2.4, R01.P.6]", async () => {
    const service = await startKv({}, {});
    const kv = kvClient(service.url);
    await writeInRounds(service.url, 4, 32);
    const deleted = await kv.del("w-0-0");
    expect(deleted.status, show(deleted)).toBe(204);
    const last = await kv.put("last", "x");
    await atRest(service.observation(), 130);
    const metrics = (await call(service.url, "GET", "/metrics")).text;
    const syncs = service.observation().operations({ kind: "sync", file: LOG });
    const size = (await stat(join(service.dataDir, LOG))).size;
    expect(gauge(metrics, "kv_log_fsyncs"), "kv_log_fsyncs counts the syncs of the log").toBe(syncs.length);
    expect(gauge(metrics, "kv_log_writes"), "kv_log_writes counts the records made durable").toBe(130);
    expect(gauge(metrics, "kv_keys"), "kv_keys counts the keys stored").toBe(128);
    expect(gauge(metrics, "kv_revision"), "kv_revision is the latest version").toBe(last.body.version);
    expect(gauge(metrics, "kv_log_bytes"), "kv_log_bytes is the size of kv.log").toBe(size);

    const restarted = await restartKv(service);
    const after = (await call(restarted.url, "GET", "/metrics")).text;
    expect(gauge(after, "kv_log_bytes"), "after a restart, kv_log_bytes is still the size of kv.log").toBe(size);
  });

  it("writes kv.log as the handout's frames: little-endian length, CRC-32 of the payload, the record as JSON [R01.0.12, R01.1.1, R01.P.2]", async () => {
    const service = await startKv();
    const kv = kvClient(service.url);
    const first = await kv.put("frame:a", "plain");
    const second = await kv.put("frame:b", "café ☕");
    await kv.del("frame:a");
    const bytes = await readFile(join(service.dataDir, LOG));
    const { records, validBytes } = readFrames(bytes);
    expect(validBytes, `every byte of ${LOG} belongs to an intact frame`).toBe(bytes.length);
    expect(records.map(({ record }) => record)).toEqual([
      { op: "put", key: "frame:a", value: "plain", version: first.body.version },
      { op: "put", key: "frame:b", value: "café ☕", version: second.body.version },
      { op: "delete", key: "frame:a", version: second.body.version + 1 },
    ]);
  });

  it("stops for good after a failed fsync: that write and every later one are refused, never acknowledged [R01.3.3]", async () => {
    const service = await startKv({}, { failSync: { file: LOG, nth: 3 } });
    const kv = kvClient(service.url);
    expect((await kv.put("before-1", "a")).status).toBe(200);
    expect((await kv.put("before-2", "b")).status).toBe(200);
    const failed = await kv.put("synced-badly", "c");
    expect(failed.status, `the write whose fsync failed: ${show(failed)}`).toBeGreaterThanOrEqual(500);
    for (let i = 0; i < 3; i++) {
      const later = await kv.put(`after-${i}`, "d");
      expect(later.status, `a write after the failed fsync: ${show(later)}`).toBeGreaterThanOrEqual(500);
    }
    const syncs = service.observation().operations({ kind: "sync", file: LOG });
    expect(
      syncs.map((sync) => sync.error ?? "ok"),
      "no sync of the log after the one that failed",
    ).toEqual(["ok", "ok", "EIO"]);
  });

  it("syncs the compacted file, renames it over kv.log, then syncs the folder before appending again; a write that arrives meanwhile waits [R01.7.1, R01.7.2]", async () => {
    // The compacted file's sync is held for two seconds, so the write sent during the compaction arrives
    // while it runs, on a slow machine as on a fast one.
    const service = await startKv({ KV_COMPACT_BYTES: "16384" }, { holdSyncOf: { file: "kv.log.compact", ms: 2000 } });
    const kv = kvClient(service.url, 30_000);
    const observation = service.observation();
    const compacting = observation.waitFor(
      (event) => event.kind === "sync" && "path" in event && event.path.endsWith("/kv.log.compact"),
      "a sync of kv.log.compact",
      60_000,
    );
    let started = false;
    void compacting.then(() => (started = true)).catch(() => undefined);
    let put: ReturnType<typeof kv.put> | undefined;
    for (let i = 0; i < 400 && !started; i++) {
      put = kv.put("hot", `${i}:${"z".repeat(100)}`);
      await Promise.race([put, compacting]);
    }
    expect(started, "a compaction started (its sync of kv.log.compact) within 400 writes").toBe(true);
    const during = await kv.put("during", "compaction");
    expect(during.status, show(during)).toBe(200);
    expect((await put!).status, "the last write sent before the compaction began").toBe(200);
    await observation.until(
      () => observation.operations({ kind: "rename" }).some((rename) => rename.end !== undefined),
      "the compaction's rename",
    );
    const rename = observation.operations({ kind: "rename" })[0];
    expect(rename!.path.endsWith("/kv.log.compact") && rename!.to?.endsWith(`/${LOG}`)).toBe(true);
    const compactSynced = observation
      .operations({ kind: "sync", file: "kv.log.compact" })
      .some((sync) => sync.end !== undefined && sync.end < rename!.start);
    expect(compactSynced, "kv.log.compact is synced before the rename").toBe(true);
    const duringWrite = firstWriteContaining(observation, LOG, '"during"');
    expect(duringWrite, "the write sent during the compaction is in kv.log").toBeDefined();
    expect(
      duringWrite!.start,
      "the write sent during the compaction waits for it, then goes to the new kv.log (after the rename)",
    ).toBeGreaterThan(rename!.end!);
    const folderSync = observation
      .operations({ kind: "sync", file: service.dataDir })
      .find((sync) => sync.start > rename!.end! && sync.end !== undefined);
    expect(folderSync, "the data folder is synced after the rename").toBeDefined();
    const nextWrite = observation.operations({ kind: "write", file: LOG }).find((write) => write.start > rename!.start);
    expect(folderSync!.end!, "the folder sync comes before the next append to kv.log").toBeLessThan(nextWrite!.start);
  });
});
