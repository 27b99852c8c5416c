import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HttpTransport } from "./http-transport.ts";

async function waitFor(done: () => boolean, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

describe("HttpTransport", () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  function cluster(): string {
    const directory = mkdtempSync(join(tmpdir(), "distlab-http-transport-"));
    cleanup.push(() => rmSync(directory, { recursive: true, force: true }));
    return directory;
  }

  function transport(directory: string): HttpTransport {
    const created = new HttpTransport({ directory });
    cleanup.push(() => created.close());
    return created;
  }

  it("carries messages between processes in the order they were sent, as copies", async () => {
    const directory = cluster();
    const [one, two] = [transport(directory), transport(directory)];
    const received: Array<[string, unknown]> = [];
    await one.attach("a", () => undefined);
    await two.attach("b", (from, msg) => received.push([from, msg]));
    const payload = { entries: [{ term: 1, data: new Map([["k", "v"]]) }] };
    for (let i = 0; i < 500; i++) one.send("a", "b", { i, payload });
    payload.entries.length = 0;
    expect(await waitFor(() => received.length === 500)).toBe(true);
    expect(received.map(([, msg]) => (msg as { i: number }).i)).toEqual([...Array(500).keys()]);
    expect(received[0]).toEqual(["a", { i: 0, payload: { entries: [{ term: 1, data: new Map([["k", "v"]]) }] } }]);
    expect(one.address).not.toBe(two.address);
  });

  it("sends a message identical to one still waiting for the same process once", async () => {
    const directory = cluster();
    const [one, two] = [transport(directory), transport(directory)];
    const received: unknown[] = [];
    await one.attach("a", () => undefined);
    await two.attach("b", (_from, msg) => received.push(msg));
    // All five are sent in one turn, so they wait together for the chunk that carries them: the copies collapse.
    for (const msg of ["first", "same", "same", "other", "same"]) one.send("a", "b", msg);
    expect(await waitFor(() => received.length === 3)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual(["first", "same", "other"]);
  });

  it("reassembles messages that the connection delivers in pieces", async () => {
    const directory = cluster();
    const [one, two] = [transport(directory), transport(directory)];
    const received: unknown[] = [];
    await one.attach("a", () => undefined);
    await two.attach("b", (_from, msg) => received.push(msg));
    const big = "x".repeat(3 * 1024 * 1024);
    one.send("a", "b", "before");
    one.send("a", "b", big);
    one.send("a", "b", "after");
    expect(await waitFor(() => received.length === 3)).toBe(true);
    expect(received[0]).toBe("before");
    expect(received[1]).toBe(big);
    expect(received[2]).toBe("after");
  });

  it("answers 400 to a stream that is not length-prefixed messages, and delivers nothing from it", async () => {
    const one = transport(cluster());
    const received: unknown[] = [];
    await one.attach("b", (_from, msg) => received.push(msg));
    const garbage = Buffer.alloc(8, 0xff);
    const response = await fetch(`${one.address}/distlab/messages`, { method: "POST", body: garbage });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/bad message stream: a frame of \d+ bytes/);
    expect(received).toEqual([]);
  });

  it("delivers between nodes of the same process without HTTP", async () => {
    const one = transport(cluster());
    const received: unknown[] = [];
    await one.attach("a", () => undefined);
    await one.attach("b", (_from, msg) => received.push(msg));
    one.send("a", "b", "hello");
    expect(await waitFor(() => received.length === 1)).toBe(true);
    await expect(one.attach("b", () => undefined)).rejects.toThrowError(/"b" is already attached/);
  });

  it("loses messages to a node that is down, and finds the node again at its new address after a restart", async () => {
    const directory = cluster();
    const drops: number[] = [];
    const sender = new HttpTransport({ directory, onDrop: (_to, count) => drops.push(count) });
    cleanup.push(() => sender.close());
    await sender.attach("a", () => undefined);
    const first = new HttpTransport({ directory });
    await first.attach("b", () => undefined);
    const oldAddress = first.address;
    sender.send("a", "b", "warm-up");
    await new Promise((resolve) => setTimeout(resolve, 50));
    await first.close();
    sender.send("a", "b", "lost");
    expect(await waitFor(() => drops.length > 0)).toBe(true);
    const restarted = transport(directory);
    const received: unknown[] = [];
    await restarted.attach("b", (_from, msg) => received.push(msg));
    expect(restarted.address).not.toBe(oldAddress);
    sender.send("a", "b", "after restart");
    expect(await waitFor(() => received.length === 1)).toBe(true);
    expect(received).toEqual(["after restart"]);
  });

  it("drops messages to a node that never published an address", async () => {
    const drops: string[] = [];
    const one = new HttpTransport({
      directory: cluster(),
      onDrop: (to, _count, reason) => drops.push(`${to}: ${reason}`),
    });
    cleanup.push(() => one.close());
    await one.attach("a", () => undefined);
    one.send("a", "nobody", "hello");
    expect(drops).toEqual(["nobody: no address published"]);
  });
});
