import Consul from "consul";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRealConsul, startEmbeddedConsul, type ConsulServer } from "@distlab/kit/infra";
import { raw, startHealthTarget, unique, waitUntil, type RawReply } from "./test-support.ts";

/**
 * The same cases against the embedded registry and, when one exists (CONSUL_HTTP_ADDR, a consul binary, or
 * Docker), a real Consul: the embedded registry is only as good as its agreement with the real thing.
 * Cases go through the `consul` client the labs use, and through raw HTTP where the client hides the wire.
 */

const real = await findRealConsul();
if (!real.server) console.info(`[registry conformance] real Consul skipped: ${real.reason}`);

conformance("the embedded registry", true, () => startEmbeddedConsul());
conformance(
  real.server ? real.server.source : `a real Consul (skipped: ${real.reason})`,
  !!real.server,
  async () => real.server!,
);

function conformance(label: string, enabled: boolean, start: () => Promise<ConsulServer>) {
  describe.skipIf(!enabled)(`Consul HTTP API conformance — ${label}`, () => {
    let server: ConsulServer;
    let consul: Consul;
    const http = (method: string, path: string, body?: string) => raw(server.url, method, path, body);

    beforeAll(async () => {
      server = await start();
      consul = new Consul({ host: server.host, port: server.port });
    });
    afterAll(async () => server?.stop());

    describe("KV", () => kvCases(() => ({ http, consul })));
    describe("services and health checks", () => serviceCases(() => ({ http, consul })));
    describe("sessions and locks", () => sessionCases(() => ({ http, consul })));
  });
}

type Http = (method: string, path: string, body?: string) => Promise<RawReply>;
type Ctx = () => { http: Http; consul: Consul };

function kvCases(ctx: Ctx) {
  it("stores raw bytes under a percent-decoded key and answers them in base64", async () => {
    const { http, consul } = ctx();
    const key = `${unique("conf")}/a:b`;
    expect((await http("PUT", `/v1/kv/${encodeURIComponent(key)}`, "héllo")).json).toBe(true);
    const reply = await http("GET", `/v1/kv/${key}`);
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^application\/json/);
    const [entry] = reply.json as { Key: string; Value: string; Flags: number; CreateIndex: number }[];
    expect(entry!.Key).toBe(key);
    expect(Buffer.from(entry!.Value, "base64").toString("utf8")).toBe("héllo");
    expect((await consul.kv.get(key))?.Value).toBe("héllo");
  });

  it("answers 404 for a missing key, still with an X-Consul-Index to block on", async () => {
    const { http, consul } = ctx();
    const reply = await http("GET", `/v1/kv/${unique("missing")}`);
    expect(reply.status).toBe(404);
    expect(reply.index).toBeGreaterThanOrEqual(1);
    expect(await consul.kv.get(unique("missing"))).toBeUndefined();
  });

  it("cas=0 writes only a missing key and cas=N only a key still at ModifyIndex N", async () => {
    const { http, consul } = ctx();
    const key = unique("cas");
    expect((await http("PUT", `/v1/kv/${key}?cas=0`, "v1")).json).toBe(true);
    expect((await http("PUT", `/v1/kv/${key}?cas=0`, "v2")).json, "cas=0 on an existing key").toBe(false);
    const entry = (await consul.kv.get(key))!;
    expect(entry.Value).toBe("v1");
    expect((await http("PUT", `/v1/kv/${key}?cas=${entry.ModifyIndex + 1000}`, "v3")).json).toBe(false);
    expect((await http("PUT", `/v1/kv/${key}?cas=${entry.ModifyIndex}`, "v3")).json).toBe(true);
    const after = (await consul.kv.get(key))!;
    expect(after.Value).toBe("v3");
    expect(after.ModifyIndex).toBeGreaterThan(entry.ModifyIndex);
    expect(after.CreateIndex).toBe(entry.CreateIndex);
  });

  it("a refused CAS is `false` on the wire but resolves to undefined through the consul client", async () => {
    const { consul } = ctx();
    const key = unique("gotcha");
    expect(await consul.kv.set({ key, value: "a", cas: 0 } as never)).toBe(true);
    const refused = await consul.kv.set({ key, value: "b", cas: 0 } as never);
    expect(refused, "papi drops a falsy body: test with !ok, never === false").toBeUndefined();
  });

  it("lists a prefix with recurse, cuts keys at the separator, and answers 404 for an empty prefix", async () => {
    const { http } = ctx();
    const root = unique("tree");
    for (const key of ["a", "b/c", "b/d", "e/f/g"]) await http("PUT", `/v1/kv/${root}/${key}`, key);
    const listed = (await http("GET", `/v1/kv/${root}/?recurse`)).json as { Key: string }[];
    expect(listed.map((entry) => entry.Key)).toEqual(["a", "b/c", "b/d", "e/f/g"].map((key) => `${root}/${key}`));
    const keys = (await http("GET", `/v1/kv/${root}/?keys&separator=/`)).json;
    expect(keys).toEqual([`${root}/a`, `${root}/b/`, `${root}/e/`]);
    expect((await http("GET", `/v1/kv/${unique("nothing")}/?recurse`)).status).toBe(404);
    expect((await http("GET", `/v1/kv/${unique("nothing")}/?keys`)).status).toBe(404);
  });

  it("deletes one key, a prefix with recurse, and with cas only at that index (cas=0 never deletes)", async () => {
    const { http, consul } = ctx();
    const root = unique("del");
    for (const key of ["x", "y/1", "y/2"]) await http("PUT", `/v1/kv/${root}/${key}`, "v");
    const x = (await consul.kv.get(`${root}/x`))!;
    expect((await http("DELETE", `/v1/kv/${root}/x?cas=0`)).json).toBe(false);
    expect((await http("DELETE", `/v1/kv/${root}/x?cas=${x.ModifyIndex + 1000}`)).json).toBe(false);
    expect((await http("DELETE", `/v1/kv/${root}/x?cas=${x.ModifyIndex}`)).json).toBe(true);
    expect(await consul.kv.get(`${root}/x`)).toBeUndefined();
    expect((await http("DELETE", `/v1/kv/${root}/y?recurse`)).json).toBe(true);
    expect((await http("GET", `/v1/kv/${root}/?recurse`)).status).toBe(404);
  });

  it("reads an empty value as null, answers ?raw with the bare value, and keeps flags", async () => {
    const { http } = ctx();
    const key = unique("shape");
    await http("PUT", `/v1/kv/${key}?flags=42`, "");
    const [entry] = (await http("GET", `/v1/kv/${key}`)).json as { Value: unknown; Flags: number }[];
    expect(entry!.Value).toBeNull();
    expect(entry!.Flags).toBe(42);
    await http("PUT", `/v1/kv/${key}`, "plain text");
    const bare = await http("GET", `/v1/kv/${key}?raw`);
    expect(bare.text).toBe("plain text");
    expect((bare.json as unknown) ?? null).toBeNull();
  });

  it("never moves an index backwards: a prefix's index stays past a key deleted under it", async () => {
    const { http } = ctx();
    const root = unique("mono");
    await http("PUT", `/v1/kv/${root}/a`, "1");
    await http("PUT", `/v1/kv/${root}/b`, "2");
    const before = (await http("GET", `/v1/kv/${root}/?recurse`)).index!;
    await http("DELETE", `/v1/kv/${root}/b`);
    const after = (await http("GET", `/v1/kv/${root}/?recurse`)).index!;
    expect(after, "the deletion is a change: the index must grow, not fall back to a's").toBeGreaterThan(before);
  });

  it("blocks a GET at the current index until the next write, then answers it with a higher index", async () => {
    const { http } = ctx();
    const key = unique("block");
    await http("PUT", `/v1/kv/${key}`, "v1");
    const first = await http("GET", `/v1/kv/${key}`);
    const started = Date.now();
    const blocked = http("GET", `/v1/kv/${key}?index=${first.index}&wait=20s`);
    setTimeout(() => void http("PUT", `/v1/kv/${key}`, "v2"), 200);
    const answer = await blocked;
    expect(Date.now() - started, "it answered on the write, not at the end of wait").toBeLessThan(15_000);
    expect(answer.index).toBeGreaterThan(first.index!);
    expect(Buffer.from((answer.json as { Value: string }[])[0]!.Value, "base64").toString()).toBe("v2");
  });

  it("with nothing changing, answers the same index once wait has passed; a bad wait is a 400", async () => {
    const { http } = ctx();
    const key = unique("idle");
    await http("PUT", `/v1/kv/${key}`, "v");
    const first = await http("GET", `/v1/kv/${key}`);
    const started = Date.now();
    const answer = await http("GET", `/v1/kv/${key}?index=${first.index}&wait=300ms`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(answer.status).toBe(200);
    expect(answer.index).toBe(first.index);
    expect((await http("GET", `/v1/kv/${key}?index=${first.index}&wait=soon`)).status).toBe(400);
  });
}

interface HealthEntry {
  Node: { Node: string; Address: string };
  Service: { ID: string; Service: string; Tags: string[]; Port: number; Address: string; Meta: Record<string, string> };
  Checks: { CheckID: string; Status: string; ServiceID: string }[];
}

function serviceCases(ctx: Ctx) {
  const register = (http: Http, body: object, query = "") =>
    http("PUT", `/v1/agent/service/register${query}`, JSON.stringify(body));
  const health = async (http: Http, name: string, passing = false) =>
    (await http("GET", `/v1/health/service/${name}${passing ? "?passing" : ""}`)).json as HealthEntry[];

  it("keeps a service with a TTL check critical until it reports, then lists it as passing", async () => {
    const { http, consul } = ctx();
    const name = unique("web");
    await consul.agent.service.register({
      name,
      id: `${name}-1`,
      address: "127.0.0.1",
      port: 9001,
      tags: ["v1"],
      meta: { zone: "a" },
      check: { ttl: "30s" },
    } as never);
    expect(await health(http, name, true)).toEqual([]);
    const [entry] = await health(http, name);
    expect(entry!.Service).toMatchObject({
      ID: `${name}-1`,
      Service: name,
      Tags: ["v1"],
      Port: 9001,
      Meta: { zone: "a" },
    });
    expect(entry!.Checks.map((check) => [check.CheckID, check.Status])).toEqual([
      ["serfHealth", "passing"],
      [`service:${name}-1`, "critical"],
    ]);
    await consul.agent.check.pass(`service:${name}-1`);
    const passing = await health(http, name, true);
    expect(passing.map((e) => e.Service.ID)).toEqual([`${name}-1`]);
    await consul.agent.service.deregister(`${name}-1`);
  });

  it("names checks service:<id>, or service:<id>:<n> when a registration has several", async () => {
    const { http } = ctx();
    const name = unique("multi");
    await register(http, { Name: name, Checks: [{ TTL: "30s" }, { TTL: "30s", Status: "passing" }] });
    const checks = (await http("GET", "/v1/agent/checks")).json as Record<
      string,
      { Status: string; ServiceID: string }
    >;
    expect(checks[`service:${name}:1`]?.Status).toBe("critical");
    expect(checks[`service:${name}:2`]?.Status).toBe("passing");
    expect(checks[`service:${name}:1`]?.ServiceID, "the ID defaults to the name").toBe(name);
    await http("PUT", `/v1/agent/service/deregister/${name}`);
  });

  it("does not count a warning as passing", async () => {
    const { http, consul } = ctx();
    const name = unique("warn");
    await register(http, { Name: name, Check: { TTL: "30s" } });
    await consul.agent.check.warn({ id: `service:${name}`, note: "slow disk" });
    expect(await health(http, name, true)).toEqual([]);
    expect((await health(http, name))[0]!.Checks[1]!.Status).toBe("warning");
    await http("PUT", `/v1/agent/service/deregister/${name}`);
  });

  it("maps service names to tags in catalog/services and lists instances in catalog/service", async () => {
    const { http, consul } = ctx();
    const name = unique("cat");
    await register(http, { Name: name, ID: `${name}-a`, Port: 1, Tags: ["blue"] });
    await register(http, { Name: name, ID: `${name}-b`, Port: 2, Tags: ["green"] });
    const services = (await consul.catalog.service.list()) as Record<string, string[]>;
    expect([...services[name]!].sort()).toEqual(["blue", "green"]);
    expect(services).toHaveProperty("consul");
    const instances = (await http("GET", `/v1/catalog/service/${name}`)).json as {
      ServiceID: string;
      ServicePort: number;
    }[];
    expect(instances.map((i) => [i.ServiceID, i.ServicePort]).sort()).toEqual([
      [`${name}-a`, 1],
      [`${name}-b`, 2],
    ]);
    const green = (await http("GET", `/v1/catalog/service/${name}?tag=green`)).json as { ServiceID: string }[];
    expect(green.map((i) => i.ServiceID)).toEqual([`${name}-b`]);
    for (const id of ["a", "b"]) await http("PUT", `/v1/agent/service/deregister/${name}-${id}`);
  });

  it("removes a deregistered service with its checks; an unknown service ID is a 404", async () => {
    const { http } = ctx();
    const name = unique("gone");
    await register(http, { Name: name, Check: { TTL: "30s" } });
    expect((await http("PUT", `/v1/agent/service/deregister/${name}`)).status).toBe(200);
    expect(await health(http, name)).toEqual([]);
    const checks = (await http("GET", "/v1/agent/checks")).json as Record<string, unknown>;
    expect(checks).not.toHaveProperty(`service:${name}`);
    expect((await http("PUT", `/v1/agent/service/deregister/${unique("never")}`)).status).toBe(404);
  });

  it("refuses a check it cannot run and a status it does not know with a 400; an unknown check is a 404", async () => {
    const { http } = ctx();
    const name = unique("bad");
    expect((await register(http, { Name: name, Check: { Interval: "1s" } })).status).toBe(400);
    expect((await register(http, { Port: 1 })).status, "no Name").toBe(400);
    await register(http, { Name: name, Check: { TTL: "30s" } });
    const update = await http("PUT", `/v1/agent/check/update/service:${name}`, JSON.stringify({ Status: "fine" }));
    expect(update.status).toBe(400);
    expect((await http("PUT", `/v1/agent/check/pass/${unique("nocheck")}`)).status).toBe(404);
    await http("PUT", `/v1/agent/service/deregister/${name}`);
  });

  it("does not move a service's index when a check reports the status it already has", async () => {
    const { http } = ctx();
    const name = unique("steady");
    await register(http, { Name: name, Check: { TTL: "30s" } });
    await http("PUT", `/v1/agent/check/pass/service:${name}`);
    const before = (await http("GET", `/v1/health/service/${name}`)).index;
    await http("PUT", `/v1/agent/check/pass/service:${name}`);
    await http("PUT", `/v1/agent/check/pass/service:${name}`);
    expect((await http("GET", `/v1/health/service/${name}`)).index, "a heartbeat is not a change").toBe(before);
    await http("PUT", `/v1/agent/service/deregister/${name}`);
  });

  it("wakes a blocking health query when an instance becomes passing", async () => {
    const { http } = ctx();
    const name = unique("wake");
    await register(http, { Name: name, Check: { TTL: "30s" } });
    const first = await http("GET", `/v1/health/service/${name}?passing`);
    expect(first.json).toEqual([]);
    const blocked = http("GET", `/v1/health/service/${name}?passing&index=${first.index}&wait=20s`);
    setTimeout(() => void http("PUT", `/v1/agent/check/pass/service:${name}`), 200);
    const answer = await blocked;
    expect((answer.json as HealthEntry[]).map((entry) => entry.Service.ID)).toEqual([name]);
    expect(answer.index).toBeGreaterThan(first.index!);
    await http("PUT", `/v1/agent/service/deregister/${name}`);
  });

  it("probes an HTTP check: 2xx is passing, 429 warning, anything else critical", async () => {
    const { http } = ctx();
    const target = await startHealthTarget(200);
    const name = unique("probed");
    try {
      await register(http, { Name: name, Check: { HTTP: target.url, Interval: "1s", Timeout: "1s" } });
      const statusIs = (wanted: string) => async () => (await health(http, name))[0]?.Checks[1]?.Status === wanted;
      await waitUntil("the check to pass on 200", statusIs("passing"));
      target.status = 429;
      await waitUntil("the check to warn on 429", statusIs("warning"));
      target.status = 503;
      await waitUntil("the check to go critical on 503", statusIs("critical"));
    } finally {
      await http("PUT", `/v1/agent/service/deregister/${name}`);
      await target.close();
    }
  });
}

function sessionCases(ctx: Ctx) {
  const create = async (http: Http, body: object) =>
    ((await http("PUT", "/v1/session/create", JSON.stringify(body))).json as { ID: string }).ID;
  const entry = async (http: Http, key: string) =>
    ((await http("GET", `/v1/kv/${key}`)).json as { Session?: string; LockIndex: number }[] | undefined)?.[0];

  it("lets one session hold a key's lock at a time; LockIndex counts acquisitions; release frees it", async () => {
    const { http } = ctx();
    const key = unique("lock");
    const [a, b] = [await create(http, { Name: "a" }), await create(http, { Name: "b" })];
    expect((await http("PUT", `/v1/kv/${key}?acquire=${a}`, "A")).json).toBe(true);
    expect((await http("PUT", `/v1/kv/${key}?acquire=${a}`, "A again")).json, "re-acquire by the holder").toBe(true);
    expect((await http("PUT", `/v1/kv/${key}?acquire=${b}`, "B")).json).toBe(false);
    expect(await entry(http, key)).toMatchObject({ Session: a, LockIndex: 1 });
    expect((await http("PUT", `/v1/kv/${key}?release=${b}`, "x")).json, "only the holder releases").toBe(false);
    expect((await http("PUT", `/v1/kv/${key}?release=${a}`, "A done")).json).toBe(true);
    const released = await entry(http, key);
    expect(released?.Session).toBeUndefined();
    expect((await http("PUT", `/v1/kv/${key}?acquire=${b}`, "B")).json).toBe(true);
    expect((await entry(http, key))?.LockIndex).toBe(2);
    for (const id of [a, b]) await http("PUT", `/v1/session/destroy/${id}`);
  });

  it("ends a session on destroy: its locks are released (release) or its keys deleted (delete)", async () => {
    const { http } = ctx();
    const [kept, dropped] = [unique("kept"), unique("dropped")];
    const releaser = await create(http, { Behavior: "release", LockDelay: "0s" });
    const deleter = await create(http, { Behavior: "delete", LockDelay: "0s" });
    await http("PUT", `/v1/kv/${kept}?acquire=${releaser}`, "1");
    await http("PUT", `/v1/kv/${dropped}?acquire=${deleter}`, "2");
    expect((await http("PUT", `/v1/session/destroy/${releaser}`)).json).toBe(true);
    expect((await http("PUT", `/v1/session/destroy/${deleter}`)).json).toBe(true);
    expect((await entry(http, kept))?.Session).toBeUndefined();
    expect((await http("GET", `/v1/kv/${dropped}`)).status).toBe(404);
    expect((await http("GET", `/v1/session/info/${releaser}`)).json).toEqual([]);
  });

  it("keeps a key an ended session held unlockable for its lock-delay", async () => {
    const { http } = ctx();
    const key = unique("delayed");
    const holder = await create(http, { LockDelay: "15s" });
    await http("PUT", `/v1/kv/${key}?acquire=${holder}`, "1");
    await http("PUT", `/v1/session/destroy/${holder}`);
    const next = await create(http, {});
    expect((await http("PUT", `/v1/kv/${key}?acquire=${next}`, "2")).json, "within the lock-delay").toBe(false);
    await http("PUT", `/v1/session/destroy/${next}`);
  });

  it("refuses a TTL under 10s and a renewal of an unknown session; answers [] for an unknown session", async () => {
    const { http } = ctx();
    expect((await http("PUT", "/v1/session/create", JSON.stringify({ TTL: "5s" }))).status).toBe(400);
    expect((await http("PUT", "/v1/session/create", JSON.stringify({ Behavior: "explode" }))).status).toBe(400);
    const ghost = "1bd4a5b1-7b34-4b6f-9a94-2a8d5a0e0000";
    expect((await http("PUT", `/v1/session/renew/${ghost}`)).status).toBe(404);
    expect((await http("GET", `/v1/session/info/${ghost}`)).json ?? []).toEqual([]);
    const id = await create(http, { TTL: "15s", Name: "renewed" });
    const renewed = (await http("PUT", `/v1/session/renew/${id}`)).json as { ID: string; TTL: string }[];
    expect(renewed[0]).toMatchObject({ ID: id, TTL: "15s" });
    await http("PUT", `/v1/session/destroy/${id}`);
  });
}
