// The live runtime over a real NATS server: NATS_URL, or Debian's nats-server started for this file.
// Without either, the tests are skipped and their names say why.
import { afterAll, describe, expect, it } from "vitest";
import { findNats, startLocalNats } from "../infra/nats.ts";
import { startLiveCluster, type LiveCluster, type LiveNode } from "./live.ts";
import { createNatsTransport, natsSubject } from "./nats.ts";
import { echoNode, senderNode, type Ping } from "./test-nodes.ts";

const lookup = await findNats();
const server = lookup.server;
const skipped = server === null ? ` (skipped: ${lookup.reason})` : "";
if (server === null) process.stderr.write(`nats tests skipped: ${lookup.reason}\n`);

afterAll(async () => {
  // The server this file started must be gone when the file ends: stop() resolves once it has exited.
  await server?.stop();
  if (server?.pid) expect(() => process.kill(server.pid!, 0), "nats-server still running").toThrowError(/ESRCH/);
});

/** Polls until `done()` holds, giving up after `ms` of real time. */
async function waitFor(done: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

describe("live runtime over a real NATS server", () => {
  it.skipIf(server === null)(`runs ping-pong node code over NATS and stops cleanly${skipped}`, async () => {
    const transport = await createNatsTransport({ servers: server!.url, cluster: `test-${process.pid}` });
    let cluster: LiveCluster | undefined = await startLiveCluster(
      { a: senderNode(5), b: echoNode },
      { transport, seed: 1, onLog: () => {} },
    );
    try {
      const a = cluster.nodes.get("a") as LiveNode<{ pongs: number[] }>;
      const b = cluster.nodes.get("b") as LiveNode<{ received: Ping[] }>;
      const flowed = await waitFor(() => a.state?.pongs.length === 5);
      expect(flowed, `pongs received by a over ${server!.source}: ${JSON.stringify(a.state?.pongs)}`).toBe(true);
      expect([...a.state!.pongs].sort()).toEqual([1, 2, 3, 4, 5]);
      expect(b.state!.received.map((m) => m.n).sort()).toEqual([1, 2, 3, 4, 5]);
      await cluster.stop();
      const nodes = [...cluster.nodes.values()];
      cluster = undefined;
      expect(nodes.map((node) => node.isRunning)).toEqual([false, false]);
      // The connection is closed, not left reconnecting: its socket goes within a turn of the event loop.
      const socketClosed = await waitFor(() => !process.getActiveResourcesInfo().includes("TCPSocketWrap"), 1000);
      expect(socketClosed, `still open: ${process.getActiveResourcesInfo().join(", ")}`).toBe(true);
    } finally {
      await cluster?.stop();
    }
  });

  it.skipIf(server === null)(`keeps clusters sharing one server apart, whatever their node ids${skipped}`, async () => {
    const received: Array<[string, unknown]> = [];
    const transports = await Promise.all(
      ["x", "y"].map((cluster) => createNatsTransport({ servers: server!.url, cluster: `${cluster}-${process.pid}` })),
    );
    try {
      const [x, y] = transports as [(typeof transports)[0], (typeof transports)[0]];
      await x.attach("node.1 *", (from, msg) => received.push([from, msg]));
      await y.attach("node.1 *", (from, msg) => received.push([`other cluster: ${from}`, msg]));
      x.send("n>2", "node.1 *", { hello: "x" });
      expect(await waitFor(() => received.length >= 1)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(received).toEqual([["n>2", { hello: "x" }]]);
    } finally {
      for (const transport of transports) await transport.close();
    }
  });

  it.skipIf(server?.pid == null)(
    `stops without throwing when its server has gone away${server?.pid == null ? " (skipped: needs a local nats-server)" : ""}`,
    async () => {
      const doomed = await startLocalNats();
      const errors: unknown[] = [];
      const transport = await createNatsTransport({
        servers: doomed.url,
        cluster: `doomed-${process.pid}`,
        onError: (error) => errors.push(error),
      });
      try {
        await transport.attach("a", () => {});
        await doomed.stop();
        transport.send("a", "a", "into the void");
        await expect(transport.close()).resolves.toBeUndefined();
        expect(errors).toEqual([]);
      } finally {
        await doomed.stop();
      }
    },
  );

  it("builds one valid subject token per cluster and node id", () => {
    expect(natsSubject("demo", "n1")).toBe("distlab.demo.n1");
    expect(natsSubject("a.b", "n 1*>")).toMatch(/^distlab\.[^.\s*>]+\.[^.\s*>]+$/);
    expect(natsSubject("a", "b.c")).not.toBe(natsSubject("a.b", "c"));
  });
});
