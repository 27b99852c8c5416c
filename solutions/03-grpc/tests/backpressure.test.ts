import http2 from "node:http2";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PaymentService, type Transaction } from "../../../labs/03-grpc/tests/grpc.ts";
import { startGrpcShop, stopShops, type GrpcShop } from "../../../labs/03-grpc/tests/shop.ts";
import { adminOf } from "@distlab/kit/shop-testing";
import { call } from "@distlab/kit/test-http";

let shop: GrpcShop;

beforeAll(async () => {
  shop = await startGrpcShop();
});
afterAll(stopShops);

const method = PaymentService.service.WatchTransactions!;
const TRANSACTIONS = 300;
/** What the server may hold for one stream: a page of the KV (32) and a stream buffer, well below 300. */
const BOUND = 64;

/**
 * A WatchTransactions call over raw HTTP/2 that grants the server a 1 kB window and does not read:
 * the server can send a handful of messages, then has to wait. Only `read()` lets the rest through.
 */
function stalledWatch(address: string, card: string) {
  const session = http2.connect(`http://${address}`, { settings: { initialWindowSize: 1024 } });
  session.on("error", () => {});
  const stream = session.request({
    ":method": "POST",
    ":path": method.path,
    "content-type": "application/grpc",
    te: "trailers",
  });
  stream.on("error", () => {});
  // How the call ended: grpc-status and grpc-message come in the trailers (or alone in the headers).
  let status = "";
  const readStatus = (headers: http2.IncomingHttpHeaders) => {
    if (headers["grpc-status"] === undefined) return;
    status = `grpc-status ${String(headers["grpc-status"])}: ${decodeURIComponent(String(headers["grpc-message"] ?? ""))}`;
  };
  stream.on("response", readStatus);
  stream.on("trailers", readStatus);
  const message = method.requestSerialize({ card, resumeToken: "" });
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  stream.end(frame);
  stream.pause();
  const items: Transaction[] = [];
  let pending = Buffer.alloc(0);
  stream.on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
      const length = pending.readUInt32BE(1);
      items.push(method.responseDeserialize(pending.subarray(5, 5 + length)) as Transaction);
      pending = pending.subarray(5 + length);
    }
  });
  return {
    items,
    status: () => status,
    read: () => stream.resume(),
    close: () => session.destroy(),
  };
}

async function bufferedMessages(): Promise<number> {
  const reply = await call(shop.payment.url, "GET", "/metrics");
  const line = reply.text.split("\n").find((text) => text.startsWith("payment_watch_buffered_messages"));
  if (!line) throw new Error("Payment's /metrics has no payment_watch_buffered_messages gauge");
  return Number(line.split(" ").at(-1));
}

describe("a slow watcher does not grow the server's memory (README step 2)", () => {
  it("holds a bounded buffer for a client that reads nothing, and delivers everything once it reads [R03.2.3, R03.P.5]", async () => {
    const admin = adminOf(shop);
    const card = await admin.openAccount(0);
    const watcher = stalledWatch(shop.grpcAddress, card);
    let most = 0;
    const sample = async () => (most = Math.max(most, await bufferedMessages()));
    try {
      for (let done = 0; done < TRANSACTIONS; done += 10) {
        await Promise.all(Array.from({ length: 10 }, () => admin.credit(card, 1)));
        await sample();
      }
      // Give a watcher that ignores backpressure the time to pile up what it read.
      for (let i = 0; i < 20; i++) {
        await sample();
        await sleep(50);
      }
      expect(
        most,
        `the server buffered up to ${most} transactions for a client that reads nothing (bound ${BOUND})`,
      ).toBeLessThanOrEqual(BOUND);
      expect(watcher.items.length, `the client really was stalled (${watcher.status() || "stream open"})`).toBeLessThan(
        TRANSACTIONS,
      );
      watcher.read();
      const deadline = Date.now() + 20_000;
      while (watcher.items.length < TRANSACTIONS + 1 && Date.now() < deadline) await sleep(25);
      expect(
        watcher.items.map((t) => Number(t.sequence)),
        `once the client reads, every transaction arrives, in order (${watcher.status() || "stream still open"})`,
      ).toEqual(Array.from({ length: TRANSACTIONS + 1 }, (_, i) => i + 1));
    } finally {
      watcher.close();
    }
  });
});
