import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { stopAllServices } from "@distlab/kit/harness";
import { burst } from "@distlab/kit/test-http";
import { afterEach, describe, expect, it } from "vitest";
import { readFrames } from "../../../labs/01-kv/tests/disk.ts";
import { call, kvClient, restartKv, startKv } from "../../../labs/01-kv/tests/kv-client.ts";

afterEach(stopAllServices);

async function metric(base: string, name: string): Promise<number> {
  const text = (await call(base, "GET", "/metrics")).text;
  const line = text
    .split("\n")
    .find((candidate) => candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `));
  if (!line) throw new Error(`/metrics has no ${name} (README step 3 lists the metrics the store exposes)`);
  return Number(line.split(" ").pop());
}

/**
 * Waits (reading /metrics, for at most 15 s) until the store has compacted more than `before` times: the
 * compaction a test knows is due has run, whatever the machine's speed. Returns the new count.
 */
async function compactionAfter(base: string, before: number, when: string): Promise<number> {
  const deadline = Date.now() + 15_000;
  let now = await metric(base, "kv_compactions");
  while (now <= before) {
    if (Date.now() > deadline)
      throw new Error(`the log passed KV_COMPACT_BYTES ${when}, and no compaction ran within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    now = await metric(base, "kv_compactions");
  }
  return now;
}

/** Whether the last write started a compaction: the log is past 4096 bytes, or one ran since `before`. */
async function compactionDue(base: string, before: number): Promise<boolean> {
  return (await metric(base, "kv_log_bytes")) > 4096 || (await metric(base, "kv_compactions")) > before;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

describe("group commit (README step 3)", () => {
  it("makes concurrent writes share fsyncs instead of one fsync each [R01.3.2]", async () => {
    const service = await startKv();
    // Each round is one pipelined burst (see `burst`): all 64 writes reach the store while its first
    // flush is running, whatever the machine's load, so a store that batches shares syncs every time.
    for (let round = 0; round < 5; round++) {
      const replies = await burst(
        service.url,
        Array.from({ length: 64 }, (_, i) => ({
          method: "PUT" as const,
          path: `/kv/group-${round}-${i}`,
          json: { value: "v" },
        })),
      );
      expect(replies.every((reply) => reply.status === 200)).toBe(true);
    }
    const writes = await metric(service.url, "kv_log_writes");
    const fsyncs = await metric(service.url, "kv_log_fsyncs");
    expect(writes, "kv_log_writes counts every record made durable").toBeGreaterThanOrEqual(320);
    expect(fsyncs, "kv_log_fsyncs counts fsync calls; at least one is needed").toBeGreaterThan(0);
    expect(fsyncs, `${fsyncs} fsyncs for ${writes} concurrent writes: batches should share them`).toBeLessThanOrEqual(
      writes / 2,
    );
  });
});

/**
 * Each sync of kv.log.compact returns 250 ms late, so the next write of a test that writes one key after
 * another always arrives while a compaction runs: a store that lets it through to the old file loses it
 * every time, whatever the machine's load, instead of only when the write happens to be quick enough.
 */
const HOLD_COMPACTION = { holdSyncOf: { file: "kv.log.compact", ms: 250 } };

describe("compaction (README step 7)", () => {
  it("keeps the log small when one key is overwritten many times, and loses nothing [R01.7.1, R01.7.2, R01.P.16]", async () => {
    const service = await startKv({ KV_COMPACT_BYTES: "65536" }, HOLD_COMPACTION);
    const kv = kvClient(service.url);
    let last = await kv.put("hot", "start");
    for (let i = 0; i < 2500; i++) last = await kv.put("hot", `${i}:${"z".repeat(100)}`);
    await kv.put("cold", "kept");
    const bytes = await folderBytes(service.dataDir);
    expect(bytes, `the data folder holds ${bytes} bytes after 2500 overwrites of one key`).toBeLessThan(3 * 65536);
    expect(await metric(service.url, "kv_compactions"), "kv_compactions counts compactions").toBeGreaterThan(0);
    await service.kill("SIGKILL");

    const after = kvClient((await restartKv(service)).url);
    expect((await after.get("hot")).body).toEqual({
      key: "hot",
      value: `2499:${"z".repeat(100)}`,
      version: last.body.version,
    });
    expect((await after.get("cold")).body.value).toBe("kept");
  });

  it("drops deleted keys for good, and versions keep increasing after compaction [R01.7.2]", async () => {
    const service = await startKv({ KV_COMPACT_BYTES: "32768" }, HOLD_COMPACTION);
    const kv = kvClient(service.url);
    let lastVersion = 0;
    for (let i = 0; i < 400; i++) {
      await kv.put(`gone-${i}`, "y".repeat(100));
      lastVersion = (await kv.put(`gone-${i}`, "z".repeat(100))).body.version;
      await kv.del(`gone-${i}`);
    }
    expect(await folderBytes(service.dataDir)).toBeLessThan(3 * 32768);
    await service.kill("SIGKILL");
    const after = kvClient((await restartKv(service)).url);
    expect((await after.list({ prefix: "gone-" })).body.items).toEqual([]);
    expect(
      (await after.put("fresh", "v")).body.version,
      "versions never go back, even when every key was deleted",
    ).toBeGreaterThan(lastVersion);
  });

  it("keeps the store-wide revision when it compacts a store whose keys were all deleted [R01.0.5, R01.P.17]", async () => {
    const service = await startKv({ KV_COMPACT_BYTES: "4096" });
    const kv = kvClient(service.url);
    let lastVersion = 0;
    let compactedAfterDelete = false;
    // Put and delete one key at a time. With no key live, a compaction is due as soon as the log passes
    // 4096 bytes; whenever a write takes it past that, wait for the compaction before writing again, until
    // one follows a delete: then kv.log holds nothing but what that compaction wrote. The count a wait
    // starts from is read before the write, so a compaction that finished before /metrics was read still
    // counts, and a wait never ends early while the next compaction is still running.
    for (let i = 0; i < 3000 && !compactedAfterDelete; i++) {
      let before = await metric(service.url, "kv_compactions");
      const put = await kv.put(`gone-${i}`, "");
      if (await compactionDue(service.url, before)) await compactionAfter(service.url, before, "after a put");
      before = await metric(service.url, "kv_compactions");
      expect((await kv.del(`gone-${i}`)).status).toBe(204);
      lastVersion = put.body.version + 1;
      if (!(await compactionDue(service.url, before))) continue;
      await compactionAfter(service.url, before, "after a delete");
      compactedAfterDelete = true;
    }
    expect(compactedAfterDelete, "a compaction ran after a delete").toBe(true);
    const { records } = readFrames(await readFile(join(service.dataDir, "kv.log")));
    expect(
      records.map(({ record }) => record.op),
      "kv.log after compacting a store with no live key",
    ).toEqual(["revision"]);
    await service.kill("SIGKILL");
    const after = kvClient((await restartKv(service)).url);
    const fresh = await after.put("fresh", "v");
    expect(fresh.body.version, "after compaction and a restart, versions continue where they were").toBeGreaterThan(
      lastVersion,
    );
  });

  it("does not compact a log that holds mostly live data, however large [R01.7.1, R01.P.19]", async () => {
    const service = await startKv({ KV_COMPACT_BYTES: "16384" });
    const kv = kvClient(service.url);
    for (let i = 0; i < 100; i++) expect((await kv.put(`live-${i}`, "l".repeat(400))).status).toBe(200);
    expect(await metric(service.url, "kv_log_bytes"), "the live data alone exceeds KV_COMPACT_BYTES").toBeGreaterThan(
      16384,
    );
    expect(await metric(service.url, "kv_compactions"), "no garbage, so no compaction").toBe(0);
  });

  it("keeps every key's version through compaction and a restart [R01.7.2, R01.P.18]", async () => {
    const service = await startKv({ KV_COMPACT_BYTES: "16384" });
    const kv = kvClient(service.url);
    const versions = new Map<string, number>();
    // Each key written twice, so that its version (21 to 40) is not its place in the store (1 to 20).
    for (const round of [1, 2])
      for (let i = 0; i < 20; i++)
        versions.set(`kept-${i}`, (await kv.put(`kept-${i}`, `value ${round}`)).body.version);
    // Overwrite another key until the log passes the threshold (a compaction is due), then write nothing
    // more until it has run: this test is about versions, not about writes racing a compaction.
    for (let i = 0; i < 2000 && (await metric(service.url, "kv_log_bytes")) <= 16384; i++)
      await kv.put("filler", `${i}:${"f".repeat(200)}`);
    await compactionAfter(service.url, 0, "with filler writes");
    await service.kill("SIGKILL");
    const after = kvClient((await restartKv(service)).url);
    for (const [key, version] of versions) {
      expect((await after.get(key)).body?.version, `${key}: compaction must keep the version clients hold`).toBe(
        version,
      );
    }
  });
});
