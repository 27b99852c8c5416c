import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { copyMessage, EmbeddedTransport, LiveNode, startLiveCluster, type LiveCluster } from "./live.ts";
import { createNatsTransport } from "./nats.ts";
import { echoNode, senderNode } from "./test-nodes.ts";
import type { NodeDef } from "./types.ts";

/** Polls until `done()` holds, giving up after `ms` of real time. */
async function waitFor(done: () => boolean, ms = 2000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

describe("live runtime", () => {
  let cluster: LiveCluster | undefined;
  const dirs: string[] = [];

  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("runs the same ping-pong node code on real timers over the embedded transport", async () => {
    cluster = await startLiveCluster(
      { a: senderNode(3), b: echoNode },
      { transport: new EmbeddedTransport(), seed: 1, onLog: () => {} },
    );
    const a = cluster.nodes.get("a") as LiveNode<{ pongs: number[] }>;
    expect(await waitFor(() => a.state?.pongs.length === 3)).toBe(true);
    expect([...(a.state?.pongs ?? [])].sort()).toEqual([1, 2, 3]);
  });

  it("persists storage to a JSON file that survives a crash and restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "distlab-live-"));
    dirs.push(dataDir);
    const remember: NodeDef<{ boots: number }, string> = {
      init(env) {
        const boots = (env.storage.get<number>("boots") ?? 0) + 1;
        env.storage.set("boots", boots);
        return { boots };
      },
      onMessage() {},
      onTimer() {},
    };
    const node = new LiveNode("n1", remember, { transport: new EmbeddedTransport(), dataDir });
    await node.start();
    node.crash();
    expect(node.state).toBeUndefined();
    node.restart();
    expect(node.state).toEqual({ boots: 2 });
    expect(JSON.parse(readFileSync(join(dataDir, "n1.json"), "utf8"))).toEqual({ boots: 2 });
    await node.stop();
  });

  it("explains what is missing when the NATS transport cannot start", async () => {
    const attempt = createNatsTransport({ cluster: "test", servers: "nats://127.0.0.1:1" });
    await expect(attempt).rejects.toThrowError(/@nats-io\/transport-node|cannot reach a NATS server/);
  });
});

describe("copyMessage", () => {
  it("copies plain data deeply, so the sender's later changes do not reach the copy", () => {
    const msg = { type: "append", entries: [{ term: 1, command: { key: "k", tags: ["a"] } }], n: -0, none: null };
    const copy = copyMessage(msg);
    msg.entries[0]!.command.tags.push("b");
    msg.entries.push({ term: 2, command: { key: "x", tags: [] } });
    expect(copy).toEqual({
      type: "append",
      entries: [{ term: 1, command: { key: "k", tags: ["a"] } }],
      n: -0,
      none: null,
    });
    expect(Object.is(copy.n, -0)).toBe(true);
  });

  it("copies what is not plain data as structuredClone does: maps, dates, buffers, cycles", () => {
    const cycle: { self?: unknown; at: Date; seen: Map<string, number> } = {
      at: new Date(5),
      seen: new Map([["a", 1]]),
    };
    cycle.self = cycle;
    const copy = copyMessage(cycle);
    expect(copy).not.toBe(cycle);
    expect(copy.self).toBe(copy);
    expect(copy.at).toEqual(new Date(5));
    expect(copy.seen).toEqual(new Map([["a", 1]]));
    expect(copyMessage({ bytes: new Uint8Array([1, 2]) }).bytes).toEqual(new Uint8Array([1, 2]));
    expect(() => copyMessage({ run: () => 1 })).toThrowError(/could not be cloned/);
  });
});
