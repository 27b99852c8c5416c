import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock, startRegistry, type EmbeddedRegistry } from "./index.ts";
import { raw, startHealthTarget, waitUntil } from "./test-support.ts";

/**
 * What the embedded registry does as time passes — TTL checks going critical, sessions expiring, blocking
 * queries running out of wait, critical services reaped, lock-delays ending — on a manual clock: each
 * step of time is a step of the test, so nothing here races the machine's load.
 */

let clock: ManualClock;
let registry: EmbeddedRegistry;
let probes: { checkId: string; status: string }[];
const http = (method: string, path: string, body?: unknown) =>
  raw(
    registry.url,
    method,
    path,
    body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  );
/** Sends a blocking query and resolves once the registry holds it (its wait timer is set), not before. */
async function blockingQuery(path: string) {
  const timers = clock.timers;
  let answered = false;
  const reply = http("GET", path).then((result) => ((answered = true), result));
  await waitUntil(`the registry to hold ${path}`, async () => clock.timers > timers);
  return { reply, answered: () => answered };
}

const checkStatus = async (id: string) =>
  ((await http("GET", "/v1/agent/checks")).json as Record<string, { Status: string; Output: string }>)[id];

beforeEach(async () => {
  clock = new ManualClock();
  probes = [];
  registry = await startRegistry({
    clock,
    random: () => 0,
    onProbe: (checkId, status) => probes.push({ checkId, status }),
  });
});
afterEach(() => registry.close());

describe("TTL checks", () => {
  it("go critical when nobody reports within the TTL, and a report restarts the TTL", async () => {
    await http("PUT", "/v1/agent/service/register", { Name: "web", Check: { TTL: "10s", Status: "passing" } });
    await clock.advance(9_000);
    expect((await checkStatus("service:web"))?.Status).toBe("passing");
    await http("PUT", "/v1/agent/check/pass/service:web");
    await clock.advance(9_000);
    expect((await checkStatus("service:web"))?.Status, "the report at 9 s restarted the TTL").toBe("passing");
    await clock.advance(1_001);
    expect(await checkStatus("service:web")).toMatchObject({ Status: "critical", Output: "TTL expired" });
  });
});

describe("blocking queries", () => {
  it("answer the same index when wait runs out with nothing changed", async () => {
    await http("PUT", "/v1/kv/k", "v");
    const first = await http("GET", "/v1/kv/k");
    const blocked = await blockingQuery(`/v1/kv/k?index=${first.index}&wait=30s`);
    await clock.advance(29_000);
    expect(blocked.answered(), "still waiting at 29 s of 30").toBe(false);
    await clock.advance(1_000);
    const reply = await blocked.reply;
    expect(reply.index).toBe(first.index);
  });

  it("cap wait at 10 minutes", async () => {
    await http("PUT", "/v1/kv/k", "v");
    const first = await http("GET", "/v1/kv/k");
    const blocked = await blockingQuery(`/v1/kv/k?index=${first.index}&wait=1h`);
    await clock.advance(10 * 60_000);
    expect((await blocked.reply).index).toBe(first.index);
  });

  it("wake a single-key read only for that key, as Consul's per-key watch does", async () => {
    await http("PUT", "/v1/kv/mine", "1");
    const first = await http("GET", "/v1/kv/mine");
    const blocked = await blockingQuery(`/v1/kv/mine?index=${first.index}&wait=1m`);
    await http("PUT", "/v1/kv/other", "x");
    await clock.advance(1);
    expect(blocked.answered(), "a write to another key does not wake it").toBe(false);
    await http("PUT", "/v1/kv/mine", "2");
    const reply = await blocked.reply;
    expect(Buffer.from((reply.json as { Value: string }[])[0]!.Value, "base64").toString()).toBe("2");
  });
});

describe("sessions", () => {
  it("end at twice their TTL without a renewal (never before the TTL), deleting what they held", async () => {
    const { ID } = (await http("PUT", "/v1/session/create", { TTL: "10s", Behavior: "delete" })).json as { ID: string };
    await http("PUT", `/v1/kv/leader?acquire=${ID}`, "me");
    await clock.advance(15_000);
    await http("PUT", `/v1/session/renew/${ID}`);
    await clock.advance(19_000);
    expect((await http("GET", `/v1/session/info/${ID}`)).json).toHaveLength(1);
    await clock.advance(1_001);
    expect((await http("GET", `/v1/session/info/${ID}`)).json).toEqual([]);
    expect((await http("GET", "/v1/kv/leader")).status).toBe(404);
  });

  it("end when a check they are bound to goes critical", async () => {
    await http("PUT", "/v1/agent/service/register", { Name: "db", Check: { TTL: "10s", Status: "passing" } });
    const body = { ServiceChecks: [{ ID: "service:db" }], LockDelay: "0s" };
    const { ID } = (await http("PUT", "/v1/session/create", body)).json as { ID: string };
    await http("PUT", `/v1/kv/db-leader?acquire=${ID}`, "db");
    await clock.advance(10_001);
    expect((await http("GET", `/v1/session/info/${ID}`)).json).toEqual([]);
    const [entry] = (await http("GET", "/v1/kv/db-leader")).json as { Session?: string }[];
    expect(entry!.Session, "released, since the behavior is release").toBeUndefined();
  });

  it("cannot be created on a critical check", async () => {
    await http("PUT", "/v1/agent/service/register", { Name: "sick", Check: { TTL: "10s" } });
    const refused = await http("PUT", "/v1/session/create", { ServiceChecks: [{ ID: "service:sick" }] });
    expect(refused.status).toBe(500);
    expect(refused.text).toMatch(/critical/);
  });

  it("leave their keys unlockable until the lock-delay has passed", async () => {
    const holder = ((await http("PUT", "/v1/session/create", { LockDelay: "5s" })).json as { ID: string }).ID;
    const next = ((await http("PUT", "/v1/session/create", {})).json as { ID: string }).ID;
    await http("PUT", `/v1/kv/job?acquire=${holder}`, "1");
    await http("PUT", `/v1/session/destroy/${holder}`);
    expect((await http("PUT", `/v1/kv/job?acquire=${next}`, "2")).json).toBe(false);
    await clock.advance(5_001);
    expect((await http("PUT", `/v1/kv/job?acquire=${next}`, "2")).json).toBe(true);
  });
});

describe("the reaper", () => {
  it("deregisters a service critical past DeregisterCriticalServiceAfter (never under Consul's 1 minute)", async () => {
    const check = { TTL: "10s", DeregisterCriticalServiceAfter: "10s" };
    await http("PUT", "/v1/agent/service/register", { Name: "doomed", Check: check });
    await clock.advance(59_000);
    expect((await http("GET", "/v1/agent/services")).json, "10s is raised to the 1 minute minimum").toHaveProperty(
      "doomed",
    );
    await clock.advance(31_000);
    expect((await http("GET", "/v1/agent/services")).json).not.toHaveProperty("doomed");
  });
});

describe("HTTP check thresholds", () => {
  it("turn critical only after FailuresBeforeCritical consecutive failures", async () => {
    const target = await startHealthTarget(500);
    try {
      const check = { HTTP: target.url, Interval: "1s", Status: "passing", FailuresBeforeCritical: 2 };
      await http("PUT", "/v1/agent/service/register", { Name: "api", Check: check });
      const probe = async (count: number) => {
        if (count > 1) await clock.advance(1_000);
        else await clock.advance(0);
        await waitUntil(`probe ${count} to be applied`, async () => probes.length >= count);
        expect(probes[count - 1]).toEqual({ checkId: "service:api", status: "critical" });
      };
      await probe(1);
      expect((await checkStatus("service:api"))?.Status, "one failure of two").toBe("passing");
      await probe(2);
      expect((await checkStatus("service:api"))?.Status, "two failures of two").toBe("critical");
    } finally {
      await target.close();
    }
  });
});
