import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedTransport, LiveNode, startLiveCluster, type LiveCluster } from "./live.ts";
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
