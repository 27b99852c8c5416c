// Conformance cases of agent services, health checks, health and catalog queries (see conformance.test.ts).
import { expect, it } from "vitest";
import { startHealthTarget, unique, waitUntil } from "./test-support.ts";
import type { Ctx, Http } from "./conformance-context.ts";

interface HealthEntry {
  Node: { Node: string; Address: string };
  Service: { ID: string; Service: string; Tags: string[]; Port: number; Address: string; Meta: Record<string, string> };
  Checks: { CheckID: string; Status: string; ServiceID: string }[];
}

export function serviceCases(ctx: Ctx) {
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
