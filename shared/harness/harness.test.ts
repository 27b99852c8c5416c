import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { restartService, startService, stopAllServices } from "./index.ts";

afterEach(stopAllServices);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("the harness", () => {
  it("starts a lab service on a free port and waits until it is ready", async () => {
    const kv = await startService({ lab: "01", service: "kv", target: "solutions" });
    expect(kv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${kv.url}/ready`)).status).toBe(200);
    expect(kv.logs()).toContain('"msg":"listening"');
  });

  it("leaves no process and no open port behind", async () => {
    const kv = await startService({ lab: "kv", service: "kv", target: "solutions" });
    expect(alive(kv.pid)).toBe(true);
    await stopAllServices();
    expect(alive(kv.pid), `process ${kv.pid} is still running`).toBe(false);
    expect(await portOpen(kv.port), `port ${kv.port} is still open`).toBe(false);
  });

  it("restarts a service on the same data folder", async () => {
    const first = await startService({ lab: "01-kv", service: "kv", target: "solutions" });
    await fetch(`${first.url}/kv/kept`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ value: "yes" }),
    });
    await first.kill("SIGKILL");
    const second = await restartService(first);
    expect(second.dataDir).toBe(first.dataDir);
    expect(await (await fetch(`${second.url}/kv/kept`)).json()).toMatchObject({ value: "yes" });
  });

  it("reports what a service printed when it cannot start", async () => {
    const attempt = startService({ lab: "01", service: "kv", target: "labs" });
    await expect(attempt).rejects.toThrow(/exited .* before listening[\s\S]*TODO\(lab01 §2\)/);
  });

  it("refuses an unknown service with the services the lab has", async () => {
    await expect(startService({ lab: "01", service: "nope", target: "solutions" })).rejects.toThrow(
      /has no service 'nope'; it has: kv/,
    );
  });
});
