import { describe, expect, it } from "vitest";
import { openMessageBus } from "./bus.ts";

describe("openMessageBus", () => {
  it("opens a bus that says what it is and carries a message between two nodes", async () => {
    const bus = await openMessageBus(`bus-test-${process.pid}`);
    try {
      expect(bus.description).toMatch(/^(NATS at nats:\/\/|the embedded in-process transport)/);
      const received = new Promise((resolve) => void bus.transport.attach("b", (from, msg) => resolve({ from, msg })));
      await bus.transport.attach("a", () => undefined);
      bus.transport.send("a", "b", { hello: 1 });
      expect(await received).toEqual({ from: "a", msg: { hello: 1 } });
    } finally {
      await bus.transport.close();
      await bus.stop();
    }
  });
});
