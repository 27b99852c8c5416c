import { afterEach, describe, expect, it } from "vitest";
import { containerRuntime } from "./containers.ts";
import { findConsul, findConsulBinary, findRealConsul } from "./consul.ts";
import { findEtcdBinary } from "./etcd.ts";
import { findEtcd } from "./etcd-finder.ts";

/** The finders pick the first option that works, in the documented order, and say which one they used. */

const saved = { ...process.env };
afterEach(() => {
  for (const name of ["ETCD_ENDPOINTS", "CONSUL_HTTP_ADDR"]) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe("finding etcd", () => {
  it("takes ETCD_ENDPOINTS as given, starting nothing", async () => {
    process.env.ETCD_ENDPOINTS = "http://10.0.0.1:2379, http://10.0.0.2:2379";
    const found = await findEtcd();
    expect(found.server).toMatchObject({ kind: "env", source: "ETCD_ENDPOINTS" });
    expect(found.server?.endpoints).toEqual(["http://10.0.0.1:2379", "http://10.0.0.2:2379"]);
  });

  it.skipIf(!findEtcdBinary())("starts the local etcd on free ports and stops it", async () => {
    delete process.env.ETCD_ENDPOINTS;
    const found = await findEtcd();
    expect(found.server?.kind).toBe("binary");
    const endpoint = found.server!.endpoints[0]!;
    expect((await fetch(`${endpoint}/health`)).ok).toBe(true);
    await found.server!.stop();
    await expect(fetch(`${endpoint}/health`)).rejects.toThrow();
  });
});

describe("finding Consul", () => {
  it("takes CONSUL_HTTP_ADDR as given, with or without a scheme", async () => {
    process.env.CONSUL_HTTP_ADDR = "127.0.0.1:18500";
    const found = await findRealConsul();
    expect(found.server).toMatchObject({ kind: "env", url: "http://127.0.0.1:18500", host: "127.0.0.1", port: 18500 });
  });

  const realConsulHere = !!findConsulBinary() || !!process.env.CONSUL_HTTP_ADDR;
  it.skipIf(realConsulHere)("falls back to the embedded registry, saying why there is no real Consul", async () => {
    delete process.env.CONSUL_HTTP_ADDR;
    const found = await findConsul();
    try {
      expect(found.kind).toBe("embedded");
      expect(found.fallbackReason).toMatch(/CONSUL_HTTP_ADDR is not set.*consul binary is not on PATH/);
      expect(await (await fetch(`${found.url}/v1/status/leader`)).json()).toMatch(/:8300$/);
    } finally {
      await found.stop();
    }
  });
});

describe("containers", () => {
  it("answers whether a container runtime works, once, and fast when there is none", async () => {
    const started = Date.now();
    const first = await containerRuntime();
    const second = await containerRuntime();
    expect(second).toBe(first);
    if (!first.testcontainers) {
      expect(first.reason).toMatch(/container runtime|testcontainers/);
      expect(Date.now() - started, "the probe must not hold a test up").toBeLessThan(15_000);
    }
  });
});
