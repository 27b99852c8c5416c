import type { Backend } from "@distlab/kit/backends";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  echoOf,
  routes,
  startBackends,
  startGateway,
  staticUpstream,
  stopAll,
  type GatewayUnderTest,
} from "./gateway.ts";
import { sendRaw, show } from "./http.ts";

afterAll(stopAll);

/** What a refused start printed: the harness's error carries the tail of the gateway's output. */
async function startFailure(doc: string, format: "yaml" | "json"): Promise<string> {
  try {
    await startGateway(doc, { format });
  } catch (error) {
    const message = (error as Error).message;
    const todo = /TODO\(lab09 §\d+\)[^"\n]*/.exec(message);
    if (todo) throw new Error(`the gateway could not report the file's errors: ${todo[0]}`, { cause: error });
    return message;
  }
  throw new Error("the gateway started on a routes file with errors; it must refuse to start");
}

describe("Step 1 — the routes file", () => {
  it("refuses to start on a file with errors and names the line and field of each [R09.1.1, R09.1.3]", async () => {
    const yaml = [
      "version: 1", //                             1
      "upstreams:", //                             2
      "  shop:", //                                3
      "    instances: ['http://127.0.0.1:9']", //  4
      "    balancr: round-robin", //               5
      "routes:", //                                6
      "  - id: pets", //                           7
      "    match:", //                             8
      "      prefix: api/pets", //                 9
      "    upstream: shop", //                     10
    ].join("\n");
    const message = await startFailure(yaml, "yaml");
    expect(message, "an unknown key is reported at its own line").toMatch(
      /routes\.yaml:5:\d+: upstreams\.shop: .*balancr/,
    );
    expect(message, "a bad value is reported at its line, with its path").toMatch(
      /routes\.yaml:9:\d+: routes\[0\]\.match\.prefix: /,
    );
    const syntax = await startFailure("version: 1\nupstreams: {}\nroutes:\n  - id: [pets\n    match: {}\n", "yaml");
    expect(syntax, "a syntax error is reported at its line").toMatch(/routes\.yaml:[4-6]:\d+: /);
  });

  it("points a missing field at the block that lacks it, in JSON as in YAML [R09.1.2]", async () => {
    const json = [
      "{", //                                                         1
      '  "version": 1,', //                                          2
      '  "upstreams": { "shop": { "instances": ["http://127.0.0.1:9"] } },', // 3
      '  "routes": [', //                                            4
      '    { "id": "pets",', //                                      5
      '      "match": { "methods": ["GET"] },', //                   6
      '      "upstream": "shop" }', //                               7
      "  ]", //                                                      8
      "}",
    ].join("\n");
    const message = await startFailure(json, "json");
    expect(message).toMatch(/routes\.json:6:\d+: routes\[0\]\.match\.prefix: /);
  });
});

describe("Step 2 — routing by host, prefix and method, and rewriting", () => {
  let backends: Backend[];
  let gateway: GatewayUnderTest;
  // One backend per upstream: the echo says which route a request took.
  beforeAll(async () => {
    backends = await startBackends(4, "route-");
    const [read, write, api, admin] = backends.map((backend) => staticUpstream([backend]));
    gateway = await startGateway(
      routes({ read, write, api, admin }, [
        { id: "api", match: { prefix: "/api" }, upstream: "api", rewrite: { prefix: "/" } },
        { id: "pets-write", match: { prefix: "/api/pets", methods: ["POST", "PUT"] }, upstream: "write" },
        {
          id: "pets-read",
          match: { prefix: "/api/pets/", methods: ["GET"] },
          upstream: "read",
          rewrite: { prefix: "/pets" },
        },
        { id: "admin-host", match: { host: "admin.shop.test", prefix: "/" }, upstream: "admin" },
        { id: "orders-any", match: { prefix: "/api/orders" }, upstream: "write" },
        { id: "orders-get", match: { prefix: "/api/orders", methods: ["GET"] }, upstream: "read" },
        { id: "static", match: { prefix: "/static", methods: ["HEAD", "GET"] }, upstream: "read" },
      ]),
    );
  });

  it("takes the most specific route: a named host, then the longest prefix, then listed methods [R09.1.4, R09.P.1]", async () => {
    const who = async (path: string, method = "GET", host?: string) =>
      echoOf(
        await gateway.send(path, {
          method,
          ...(host ? { headers: { host } } : {}),
          ...(method === "GET" ? {} : { json: {} }),
        }),
      ).instance;
    expect(await who("/api/pets/7"), "GET /api/pets/7: the longer prefix wins over /api").toBe("route-1");
    expect(await who("/api/pets/7", "POST"), "POST takes the route that lists POST").toBe("route-2");
    expect(await who("/api/pets/7", "GET", "admin.shop.test"), "a named host wins over a longer prefix").toBe(
      "route-4",
    );
    expect(await who("/api/orders/1"), "listed methods win over any method, whatever the file order").toBe("route-1");
    expect(await who("/api/orders/1", "DELETE"), "other methods fall to the route that takes any").toBe("route-2");
  });

  it("matches prefixes segment by segment [R09.2.1, R09.P.2]", async () => {
    expect(echoOf(await gateway.send("/api/petshop")).instance, "/api/petshop is not under /api/pets/").toBe("route-3");
    expect(echoOf(await gateway.send("/api/pets/")).instance, "/api/pets/ is").toBe("route-1");
  });

  it("answers 404 when no route matches and 405 with Allow when only the method is wrong, as problem+json [R09.2.2]", async () => {
    const missing = await gateway.send("/nothing-here");
    expect(missing.status, show(missing)).toBe(404);
    expect(missing.headers["content-type"]).toMatch(/^application\/problem\+json/);
    const wrongMethod = await gateway.send("/static/logo.png", { method: "DELETE" });
    expect(wrongMethod.status, show(wrongMethod)).toBe(405);
    expect(wrongMethod.headers.allow, "Allow lists the methods some route takes there").toBe("GET, HEAD");
    expect(wrongMethod.headers["content-type"]).toMatch(/^application\/problem\+json/);
  });

  it("rewrites the matched prefix, keeping the rest of the path and the query [R09.2.3]", async () => {
    const upstreamUrl = async (path: string) => echoOf(await gateway.send(path)).url;
    expect(await upstreamUrl("/api/pets/7?sort=name&x=1")).toBe("/pets/7?sort=name&x=1");
    expect(await upstreamUrl("/api/orders-archive/3")).toBe("/orders-archive/3");
    expect(await upstreamUrl("/api"), "the prefix alone becomes the new prefix").toBe("/");
    expect(await upstreamUrl("/api?page=2")).toBe("/?page=2");
    expect(await upstreamUrl("/api/orders/9?x=%2F"), "a route without rewrite sends the path as it came").toBe(
      "/api/orders/9?x=%2F",
    );
  });

  it("refuses paths with dot segments instead of routing them [R09.2.4, R09.P.3]", async () => {
    await Promise.all(backends.map((backend) => backend.resetStats()));
    for (const target of ["/api/pets/../admin", "/api/pets/%2e%2e/admin", "/api/./pets/1", "/api/pets/%2E%2e"]) {
      const answer = await sendRaw(gateway.url, target);
      expect(answer.status, `${target}: ${show(answer)}`).toBe(400);
    }
    const reached = await Promise.all(backends.map(async (backend) => (await backend.stats()).requests));
    expect(reached, "no backend saw those requests").toEqual([0, 0, 0, 0]);
  });
});
