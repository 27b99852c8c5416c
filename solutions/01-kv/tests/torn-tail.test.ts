import { access, appendFile, copyFile, readFile, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeTempDir, startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { afterEach, describe, expect, it } from "vitest";
import { kvClient, restartKv, startKv } from "../../../labs/01-kv/tests/kv-client.ts";

afterEach(stopAllServices);

const logOf = (service: ServiceProcess) => join(service.dataDir, "kv.log");

async function startOn(dataDir: string) {
  return startService({ service: "kv", dataDir });
}

describe("recovery from a torn tail (README step 2)", () => {
  it("ignores a half-written record at the end of the log, then keeps new writes [R01.2.3, R01.P.3]", async () => {
    const first = await startKv();
    const kv = kvClient(first.url);
    for (let i = 0; i < 20; i++) await kv.put(`k${i}`, `v${i}`);
    await first.kill("SIGTERM");
    await appendFile(logOf(first), Buffer.from([0xe8, 0x03, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78, 0x7b, 0x22]));

    const second = await restartKv(first);
    const after = kvClient(second.url);
    for (let i = 0; i < 20; i++)
      expect((await after.get(`k${i}`)).body?.value, `k${i} after the torn tail`).toBe(`v${i}`);
    for (let i = 20; i < 25; i++) expect((await after.put(`k${i}`, `v${i}`)).status).toBe(200);
    await second.kill("SIGKILL");

    const third = kvClient((await restartKv(second)).url);
    for (let i = 0; i < 25; i++) {
      expect(
        (await third.get(`k${i}`)).body?.value,
        `k${i}: writes after a recovered torn tail must survive the next crash`,
      ).toBe(`v${i}`);
    }
  });

  it("recovers every earlier write wherever the last record was cut [R01.2.1, R01.2.3]", async () => {
    const first = await startKv();
    const kv = kvClient(first.url);
    for (let i = 0; i < 9; i++) await kv.put(`k${i}`, `value-${i}`);
    const before = (await stat(logOf(first))).size;
    await kv.put("k9", `value-9-${"v".repeat(200)}`);
    const after = (await stat(logOf(first))).size;
    await first.kill("SIGKILL");
    expect(after, "the last write grew the log").toBeGreaterThan(before + 2);

    for (const cut of [before + 1, Math.floor((before + after) / 2), after - 1]) {
      const dir = await makeTempDir("distlab-torn-");
      await copyFile(logOf(first), join(dir, "kv.log"));
      await truncate(join(dir, "kv.log"), cut);
      const service = await startOn(dir);
      const recovered = kvClient(service.url);
      for (let i = 0; i < 9; i++) {
        expect((await recovered.get(`k${i}`)).body?.value, `k${i} with the log cut at byte ${cut} of ${after}`).toBe(
          `value-${i}`,
        );
      }
      expect((await recovered.get("k9")).status, `the cut record (at byte ${cut}) must not come back`).toBe(404);
      await service.kill("SIGKILL");
    }
  });

  it("refuses a record whose bytes were damaged instead of serving a wrong value [R01.2.1]", async () => {
    const first = await startKv();
    const kv = kvClient(first.url);
    for (let i = 0; i < 9; i++) await kv.put(`k${i}`, `value-${i}`);
    const before = (await stat(logOf(first))).size;
    const long = `value-9-${"v".repeat(400)}`;
    await kv.put("k9", long);
    await first.kill("SIGKILL");

    const bytes = await readFile(logOf(first));
    const middle = Math.floor((before + bytes.length) / 2);
    bytes[middle] = bytes[middle] === 0x76 ? 0x77 : 0x76;
    await writeFile(logOf(first), bytes);
    const service = kvClient((await restartKv(first)).url);
    for (let i = 0; i < 9; i++) expect((await service.get(`k${i}`)).body?.value).toBe(`value-${i}`);
    const damaged = await service.get("k9");
    if (damaged.status === 200)
      expect(damaged.body.value, "a damaged record was served as if it were intact").toBe(long);
    else expect(damaged.status).toBe(404);
  });

  it("removes a stray kv.log.compact left by a crash, and serves the intact log [R01.2.2]", async () => {
    const first = await startKv();
    const kv = kvClient(first.url);
    for (let i = 0; i < 5; i++) await kv.put(`k${i}`, `v${i}`);
    await first.kill("SIGKILL");
    const stray = join(first.dataDir, "kv.log.compact");
    await writeFile(stray, Buffer.from("half of a compaction that a crash interrupted"));
    const after = kvClient((await restartKv(first)).url);
    for (let i = 0; i < 5; i++) expect((await after.get(`k${i}`)).body?.value).toBe(`v${i}`);
    await expect(access(stray), "kv.log.compact is still there after recovery").rejects.toThrow();
  });
});
