import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DurableStorage } from "./durable-storage.ts";
import { EmbeddedTransport, LiveNode } from "./live.ts";
import type { NodeDef } from "./types.ts";

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "distlab-durable-"));
  dirs.push(dir);
  return join(dir, "node.db");
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("DurableStorage", () => {
  it("reads writes at once and finds them again after reopening once flushed", async () => {
    const file = tempFile();
    const storage = new DurableStorage(file);
    storage.set("term", 3);
    storage.set("log", [{ term: 1, command: { op: "put", key: "a" } }]);
    storage.set("gone", "x");
    storage.delete("gone");
    expect(storage.get("term")).toBe(3);
    expect(storage.keys()).toEqual(["log", "term"]);
    await storage.close();
    const reopened = new DurableStorage(file);
    expect(reopened.get("term")).toBe(3);
    expect(reopened.get("log")).toEqual([{ term: 1, command: { op: "put", key: "a" } }]);
    expect(reopened.get("gone")).toBeUndefined();
    await reopened.close();
  });

  it("keeps what structuredClone keeps (maps, sets, undefined fields) and copies on the way in and out", async () => {
    const file = tempFile();
    const storage = new DurableStorage(file);
    const value = { sessions: new Map([["c1", { seq: 2 }]]), seen: new Set([1, 2]) };
    storage.set("v", value);
    value.sessions.set("c2", { seq: 9 });
    const read = storage.get<typeof value>("v")!;
    read.seen.add(3);
    expect(storage.get<typeof value>("v")).toEqual({ sessions: new Map([["c1", { seq: 2 }]]), seen: new Set([1, 2]) });
    await storage.close();
    expect(new DurableStorage(file).get("v")).toEqual({
      sessions: new Map([["c1", { seq: 2 }]]),
      seen: new Set([1, 2]),
    });
  });

  it("refuses undefined and values that cannot be cloned, saying which key", () => {
    const storage = new DurableStorage(tempFile());
    expect(() => storage.set("k", undefined)).toThrowError(/storage.delete\("k"\)/);
    expect(() => storage.set("f", { run: () => 1 })).toThrowError(/storage.set\("f"\): the value cannot be stored/);
  });

  it("shares one fsync among the writes of one turn of the event loop (group commit)", async () => {
    const storage = new DurableStorage(tempFile());
    for (let i = 0; i < 100; i++) storage.set(`k${i}`, i);
    await storage.flush();
    expect(storage.stats).toMatchObject({ fsyncs: 1, durableWrites: 100 });
    await storage.close();
  });

  it("runs afterDurable callbacks in order, once the writes before them are on disk", async () => {
    const file = tempFile();
    const storage = new DurableStorage(file);
    const order: string[] = [];
    storage.afterDurable(() => order.push("nothing pending: at once"));
    storage.set("a", 1);
    storage.afterDurable(() => order.push(`a durable: ${new DurableStorage(file).get("a")}`));
    storage.set("b", 2);
    storage.afterDurable(() => order.push(`b durable: ${new DurableStorage(file).get("b")}`));
    expect(order).toEqual(["nothing pending: at once"]);
    await storage.flush();
    expect(order).toEqual(["nothing pending: at once", "a durable: 1", "b durable: 2"]);
    await storage.close();
  });

  it("keeps the event loop free during a sync; writes made meanwhile share the next one", async () => {
    const storage = new DurableStorage(tempFile());
    storage.set("first", 1);
    await new Promise((resolve) => setImmediate(resolve));
    // The first batch is being synced now; these wait for it, then go to the disk together.
    for (let i = 0; i < 50; i++) storage.set(`k${i}`, i);
    expect(storage.stats.fsyncs).toBe(0);
    await storage.flush();
    expect(storage.stats).toMatchObject({ fsyncs: 2, durableWrites: 51 });
    await storage.close();
  });

  it("keeps a batch already handed to the disk when the node crashes during its sync", async () => {
    const file = tempFile();
    const storage = new DurableStorage(file);
    storage.set("handed", 1);
    await new Promise((resolve) => setImmediate(resolve));
    storage.set("lost", 2);
    storage.loseUnflushed();
    expect(storage.get("handed")).toBe(1);
    expect(storage.get("lost")).toBeUndefined();
    await storage.close();
    expect(new DurableStorage(file).keys()).toEqual(["handed"]);
  });

  it("cuts off a torn or corrupt tail when it opens the file", async () => {
    const file = tempFile();
    const storage = new DurableStorage(file);
    storage.set("kept", "yes");
    await storage.close();
    const good = statSync(file).size;
    appendFileSync(file, Buffer.from([200, 0, 0, 0, 1, 2, 3]));
    const reopened = new DurableStorage(file);
    expect(reopened.get("kept")).toBe("yes");
    expect(statSync(file).size).toBe(good);
    reopened.set("after", 1);
    await reopened.close();
    expect(new DurableStorage(file).keys()).toEqual(["after", "kept"]);
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(file, bytes);
    expect(new DurableStorage(file).keys()).toEqual(["kept"]);
  });

  it("rewrites the file with only the live keys once it is mostly old values", async () => {
    const file = tempFile();
    const storage = new DurableStorage(file, { compactSlackBytes: 1024 });
    for (let i = 0; i < 200; i++) {
      storage.set("log", "x".repeat(100) + i);
      await storage.flush();
    }
    expect(storage.stats.compactions).toBeGreaterThan(0);
    expect(statSync(file).size).toBeLessThan(2 * 130 + 1024);
    await storage.close();
    expect(new DurableStorage(file).get("log")).toBe(`${"x".repeat(100)}199`);
  });

  it("loses only the writes not handed to the disk when the node crashes", async () => {
    const file = tempFile();
    const storage = new DurableStorage(file);
    storage.set("synced", 1);
    await storage.flush();
    storage.set("lost", 2);
    let called = false;
    storage.afterDurable(() => (called = true));
    storage.loseUnflushed();
    expect(storage.get("lost")).toBeUndefined();
    await storage.close();
    expect(called).toBe(false);
    expect(new DurableStorage(file).keys()).toEqual(["synced"]);
  });
});

describe("a live node on DurableStorage", () => {
  it("sends nothing until the writes made before the send are durable", async () => {
    const file = tempFile();
    const seen: Array<{ msg: unknown; onDisk: unknown }> = [];
    const transport = new EmbeddedTransport();
    await transport.attach("observer", (_from, msg) =>
      seen.push({ msg, onDisk: new DurableStorage(file).get("count") }),
    );
    const counter: NodeDef<{ count: number }, unknown> = {
      init: () => ({ count: 0 }),
      onMessage(state, _from, _msg, env) {
        state.count++;
        env.storage.set("count", state.count);
        env.send("observer", { count: state.count });
      },
      onTimer() {},
    };
    const node = new LiveNode("n1", counter, { transport, openStorage: () => new DurableStorage(file) });
    await node.start();
    for (let i = 0; i < 5; i++) transport.send("observer", "n1", "bump");
    const deadline = Date.now() + 5_000;
    while (seen.length < 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(seen.length).toBe(5);
    for (const { msg, onDisk } of seen) expect(onDisk).toBeGreaterThanOrEqual((msg as { count: number }).count);
    await node.stop();
    await transport.close();
  });
});
