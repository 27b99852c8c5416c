import { Agent, request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "./index.ts";
import { startRecordingUpstream, waitFor, type RecordingUpstream } from "./test-support.ts";

let upstream: RecordingUpstream | undefined;
let proxy: FaultProxy | undefined;
const agent = new Agent();

afterEach(async () => {
  await proxy?.close();
  await upstream?.close();
  proxy = upstream = undefined;
});

async function start(rules: Parameters<typeof startFaultProxy>[0]["rules"] = []) {
  upstream = await startRecordingUpstream();
  proxy = await startFaultProxy({ upstream: upstream.url, seed: 1, rules });
  return proxy;
}

describe("the HTTP fault proxy's call log", () => {
  it("records each call in order with its headers, its fate, its answer and when it ended", async () => {
    const proxy = await start([{ fault: "drop-request", route: { path: "/lost" }, times: 1 }]);
    const ok = await request(`${proxy.url}/charges?x=1`, {
      method: "POST",
      headers: { "idempotency-key": "k-1", "content-type": "application/json" },
      body: "{}",
      dispatcher: agent,
    });
    await ok.body.text();
    await request(`${proxy.url}/lost`, { dispatcher: agent }).catch(() => undefined);
    await waitFor("both calls to end", () => proxy.calls().every((call) => call.endedMs !== undefined));
    const [first, second] = proxy.calls();
    expect(first).toMatchObject({ seq: 1, method: "POST", url: "/charges?x=1", fault: "forward", status: 201 });
    expect(first!.headers["idempotency-key"]).toBe("k-1");
    expect(first!.endedMs!).toBeGreaterThanOrEqual(first!.receivedMs);
    expect(second).toMatchObject({ seq: 2, url: "/lost", fault: "drop-request" });
    expect(second!.clientGaveUp).toBeUndefined();
  });

  it("marks a call the client gave up on, and when it did", async () => {
    const proxy = await start([{ fault: "blackhole" }]);
    await request(`${proxy.url}/slow`, { dispatcher: agent, signal: AbortSignal.timeout(200) }).catch(() => undefined);
    await waitFor("the client to give up", () => proxy.calls()[0]?.endedMs !== undefined);
    const [call] = proxy.calls();
    expect(call).toMatchObject({ fault: "blackhole", clientGaveUp: true });
    expect(call!.endedMs! - call!.receivedMs).toBeGreaterThanOrEqual(150);
    proxy.clearCalls();
    expect(proxy.calls()).toEqual([]);
  });
});
