import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFaultProxy } from "./index.ts";
import type { FaultProxy } from "./index.ts";
import { startRecordingUpstream } from "./test-support.ts";
import type { RecordingUpstream } from "./test-support.ts";

let upstream: RecordingUpstream;
let proxy: FaultProxy;

beforeEach(async () => {
  upstream = await startRecordingUpstream();
  proxy = await startFaultProxy({ upstream: upstream.url, seed: 1 });
});

afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

/** The JSON bodies the control API answers with, all fields optional. */
interface ControlBody {
  rules?: { id: string }[];
  errors?: { field: string; message: string }[];
  detail?: string;
  [field: string]: unknown;
}

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${proxy.adminUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    headers: { "content-type": "application/json" },
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    json: (text === "" ? {} : JSON.parse(text)) as ControlBody,
  };
}

describe("the HTTP control API under /_faults", () => {
  it("adds, lists, removes and clears rules", async () => {
    const added = await call("POST", "/rules", {
      id: "lost-charge",
      fault: "drop-response",
      route: { method: "POST", path: "/charges" },
      times: 1,
    });
    expect(added.status).toBe(201);
    expect(added.json).toEqual({
      id: "lost-charge",
      fault: "drop-response",
      route: { method: "POST", path: "/charges" },
      times: 1,
      probability: 1,
    });
    await call("POST", "/rules", { fault: "latency", ms: 50 });

    const listed = await call("GET", "/rules");
    expect(listed.json.rules?.map((rule) => rule.id)).toEqual(["lost-charge", "rule-1"]);
    expect(proxy.rules()).toEqual(listed.json.rules);

    expect((await call("DELETE", "/rules/lost-charge")).status).toBe(204);
    expect(proxy.rules().map((rule) => rule.id)).toEqual(["rule-1"]);
    expect((await call("DELETE", "/rules/lost-charge")).status).toBe(404);

    expect((await call("DELETE", "/rules")).status).toBe(204);
    expect((await call("GET", "/rules")).json).toEqual({ rules: [] });
  });

  it("reports the proxy's counters", async () => {
    await call("POST", "/rules", { fault: "latency", ms: 1 });
    await fetch(`${proxy.url}/pets`).then((response) => response.text());
    const stats = await call("GET", "/stats");
    expect(stats.json).toMatchObject({ requests: 1, forwarded: 1, faults: { latency: 1 } });
  });

  it("does not forward its own prefix to the upstream", async () => {
    await call("GET", "/rules");
    expect(upstream.processed).toHaveLength(0);
  });

  it.each([
    ["an unknown fault", { fault: "meteor" }, "fault"],
    ["a negative latency", { fault: "latency", ms: -5 }, "ms"],
    ["a probability above 1", { fault: "reset", probability: 1.5 }, "probability"],
    ["a misspelt field", { fault: "latency", ms: 5, jitter: 3 }, "jitter"],
    ["times that is not a positive integer", { fault: "reset", times: 0 }, "times"],
    ["a bad route method", { fault: "reset", route: { method: "PO ST" } }, "route.method"],
    ["an invalid regular expression", { fault: "reset", route: { pathRegex: "(" } }, "route.pathRegex"],
    ["a body that is not JSON", "{not json", "(body)"],
  ])("answers 400 problem+json naming the field for %s", async (_case, body, field) => {
    const response = await call("POST", "/rules", body);
    expect(response.status).toBe(400);
    expect(response.type).toBe("application/problem+json");
    expect(response.json).toMatchObject({ status: 400, title: "Invalid fault rule" });
    expect(response.json.errors?.map((error) => error.field)).toContain(field);
    expect(response.json.detail).toContain(field);
    expect(proxy.rules()).toEqual([]);
  });

  it("refuses a second rule with the same id", async () => {
    await call("POST", "/rules", { id: "x", fault: "reset" });
    const response = await call("POST", "/rules", { id: "x", fault: "blackhole" });
    expect(response.status).toBe(400);
    expect(response.json.errors).toEqual([{ field: "id", message: 'a rule with id "x" already exists' }]);
  });

  it("answers 404 and 405 problems for unknown paths and methods", async () => {
    expect(await call("GET", "/nothing")).toMatchObject({ status: 404, type: "application/problem+json" });
    expect(await call("PUT", "/rules")).toMatchObject({ status: 405, type: "application/problem+json" });
  });
});

describe("the control API on its own port", () => {
  it("serves the rules there and forwards /_faults on the proxy port like any other path", async () => {
    const separate = await startFaultProxy({ upstream: upstream.url, adminPort: 0 });
    try {
      expect(separate.adminUrl).not.toContain(`:${separate.port}/`);
      const added = await fetch(`${separate.adminUrl}/rules`, {
        method: "POST",
        body: JSON.stringify({ fault: "latency", ms: 1 }),
      });
      expect(added.status).toBe(201);
      expect(separate.rules()).toHaveLength(1);

      const forwarded = await fetch(`${separate.url}/_faults/rules`);
      expect(forwarded.status).toBe(201);
      expect(upstream.processed.map((seen) => seen.url)).toEqual(["/_faults/rules"]);
    } finally {
      await separate.close();
    }
  });
});
