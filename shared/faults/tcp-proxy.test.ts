import net from "node:net";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTcpFaultProxy } from "./index.ts";
import type { TcpFaultProxy, TcpRuleInput } from "./index.ts";
import { startTcpUpstream, waitFor } from "./test-support.ts";
import type { TcpUpstream } from "./test-support.ts";

let upstream: TcpUpstream | undefined;
let proxy: TcpFaultProxy | undefined;
const clients: Socket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await proxy?.close();
  await upstream?.close();
  proxy = undefined;
  upstream = undefined;
});

/** An upstream that echoes, behind a proxy with `rules`. */
async function echoBehindProxy(rules: TcpRuleInput[]): Promise<TcpFaultProxy> {
  upstream = await startTcpUpstream((socket) => socket.pipe(socket));
  proxy = await startTcpFaultProxy({ upstream: { host: "127.0.0.1", port: upstream.port }, seed: 5, rules });
  return proxy;
}

interface Conversation {
  socket: Socket;
  received: () => string;
  /** Resolves when the connection is over: the error's code, or "end" for a clean end of stream. */
  ended: Promise<string>;
}

function connect(port: number): Conversation {
  const socket = net.connect(port, "127.0.0.1");
  clients.push(socket);
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
  const ended = new Promise<string>((resolve) => {
    socket.once("error", (error: Error & { code?: string }) => resolve(error.code ?? error.message));
    socket.once("end", () => resolve("end"));
  });
  return { socket, received: () => received, ended };
}

describe("the TCP fault proxy", () => {
  it("relays bytes both ways unchanged", async () => {
    const { port } = await echoBehindProxy([]);
    const client = connect(port);
    client.socket.write("hello, ");
    client.socket.write("payment service");
    await waitFor("the echo to come back", () => client.received() === "hello, payment service");
    client.socket.end();
    expect(await client.ended).toBe("end");
    expect(proxy?.stats()).toMatchObject({ connections: 1, forwarded: 1, upstreamErrors: 0 });
  });

  it("reset: the client's connection is reset and the upstream never hears of it", async () => {
    const { port } = await echoBehindProxy([{ fault: "reset" }]);
    const client = connect(port);
    client.socket.write("anyone?");
    expect(await client.ended).toBe("ECONNRESET");
    expect(upstream?.connections).toBe(0);
  });

  it("drop-after-bytes: the client gets exactly the first N bytes, then the connection closes", async () => {
    upstream = await startTcpUpstream((socket) => socket.write(Buffer.alloc(1000, "z")));
    proxy = await startTcpFaultProxy({
      upstream: { host: "127.0.0.1", port: upstream.port },
      rules: [{ fault: "drop-after-bytes", bytes: 100 }],
    });
    const client = connect(proxy.port);
    expect(await client.ended).toBe("end");
    expect(client.received()).toBe("z".repeat(100));
  });

  it("blackhole: the client waits in silence, the upstream is never dialled, closing the proxy frees it", async () => {
    const { port } = await echoBehindProxy([{ fault: "blackhole" }]);
    const client = connect(port);
    const closed = new Promise<void>((resolve) => client.socket.once("close", () => resolve()));
    client.socket.write("ping");
    await waitFor("the proxy to accept the connection", () => proxy?.stats().connections === 1);
    expect(client.received()).toBe("");
    expect(upstream?.connections).toBe(0);

    await proxy?.close();
    await closed;
    expect(client.received()).toBe("");
  });

  it("latency: the echo comes back no sooner than twice the delay (there and back)", async () => {
    const { port } = await echoBehindProxy([{ fault: "latency", ms: 100 }]);
    const client = connect(port);
    await new Promise<void>((resolve) => client.socket.once("connect", () => resolve()));
    const sentAt = performance.now();
    client.socket.write("ping");
    await waitFor("the echo to come back", () => client.received() === "ping");
    expect(performance.now() - sentAt, "the echo came back before 2 × 100 ms").toBeGreaterThanOrEqual(200);
  });

  it("bandwidth: 1000 bytes at 2000 bytes/s take at least half a second to cross", async () => {
    upstream = await startTcpUpstream((socket) => socket.end(Buffer.alloc(1000, "b")));
    proxy = await startTcpFaultProxy({
      upstream: { host: "127.0.0.1", port: upstream.port },
      rules: [{ fault: "bandwidth", bytesPerSecond: 2000 }],
    });
    const startedAt = performance.now();
    const client = connect(proxy.port);
    expect(await client.ended).toBe("end");
    expect(client.received()).toHaveLength(1000);
    expect(performance.now() - startedAt, "the bytes crossed faster than 2000 bytes/s allows").toBeGreaterThanOrEqual(
      500,
    );
  });

  it("applies a rule with times: N to the next N connections only", async () => {
    const { port } = await echoBehindProxy([{ fault: "reset", times: 1 }]);
    expect(await connect(port).ended).toBe("ECONNRESET");
    const second = connect(port);
    second.socket.write("ok");
    await waitFor("the second connection's echo", () => second.received() === "ok");
  });

  it("serves the HTTP control API when given an admin port", async () => {
    upstream = await startTcpUpstream((socket) => socket.pipe(socket));
    proxy = await startTcpFaultProxy({ upstream: { host: "127.0.0.1", port: upstream.port }, adminPort: 0 });
    const response = await fetch(`${proxy.adminUrl}/rules`, {
      method: "POST",
      body: JSON.stringify({ fault: "drop-after-bytes", bytes: -1 }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ field: "bytes" }] });
  });
});
