import { startFaultProxy, type FaultProxy } from "@distlab/kit/faults";
import { startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  codeName,
  grpcPort,
  paymentClient,
  show,
  unary,
  watch,
  type GrpcReply,
} from "../../../labs/03-grpc/tests/grpc.ts";
import { ADMIN_TOKEN, adminOf, newKey } from "@distlab/kit/shop-testing";

/** Payment, with a fault proxy on its way to the KV so that a charge can be held in flight. */
let kv: ServiceProcess;
let kvProxy: FaultProxy;
const GRACE_MS = 1_500;

beforeAll(async () => {
  kv = await startService({ lab: "01-kv", service: "kv" });
  kvProxy = await startFaultProxy({ upstream: kv.url });
});
afterEach(() => kvProxy.clearRules());
afterAll(async () => {
  await kvProxy.close();
  await stopAllServices();
});

async function startPayment() {
  const payment = await startService({
    service: "payment",
    env: { ADMIN_TOKEN, KV_URL: kvProxy.url, GRPC_GRACE_MS: String(GRACE_MS) },
  });
  const client = paymentClient(`127.0.0.1:${await grpcPort(payment)}`);
  return { payment, client, address: `127.0.0.1:${await grpcPort(payment)}` };
}

async function waitFor(what: string, condition: () => boolean, logs: () => string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not within ${timeoutMs} ms. Payment's output:\n${logs().split("\n").slice(-15).join("\n")}`,
      );
    }
    await sleep(20);
  }
}

async function exitWithin(payment: ServiceProcess, timeoutMs: number) {
  const status = await Promise.race([payment.exited(), sleep(timeoutMs).then(() => undefined)]);
  if (!status)
    throw new Error(`Payment did not exit within ${timeoutMs} ms of SIGTERM:\n${payment.logs().slice(-2000)}`);
  return status;
}

describe("graceful shutdown (README step 5)", () => {
  it("lets a running charge finish, refuses new calls, and exits 0 [R03.5.1, R03.P.10]", async () => {
    const { payment, client, address } = await startPayment();
    const card = await adminOf({ url: payment.url, payment }).openAccount(5_000);
    // Hold the charge's first write to the KV for a while: the charge is then in flight inside Payment.
    kvProxy.addRule({
      fault: "latency",
      ms: 1_000,
      route: { method: "PUT", path: /^\/kv\/payment:charge:/ },
      times: 1,
    });
    const running = unary(
      client,
      "Charge",
      { card, amountCents: 1_200 },
      { metadata: { "idempotency-key": newKey("last") } },
    );
    let answered: GrpcReply | undefined;
    void running.then((reply) => (answered = reply));
    await waitFor(
      "the charge reaching the KV",
      () => (kvProxy.stats().rules[0]?.matched ?? 0) > 0 || answered !== undefined,
      payment.logs,
    );
    if (answered) throw new Error(`the charge should still be running, but it answered ${show(answered)}`);
    void payment.kill("SIGTERM");
    const reply = await running;
    expect(reply.codeName, `the charge that was running when SIGTERM came: ${show(reply)}`).toBe("OK");
    const status = await exitWithin(payment, 10_000);
    expect(status.code, `exit code after SIGTERM. Output:\n${payment.logs().slice(-1500)}`).toBe(0);
    expect(payment.logs(), "the gRPC server stopped gracefully, no call was cut").toMatch(/"ended":"graceful"/);
    const late = await unary(paymentClient(address), "GetAccount", { card }, { deadlineMs: 2_000 });
    expect(["UNAVAILABLE", "DEADLINE_EXCEEDED"], `a call after shutdown: ${show(late)}`).toContain(late.codeName);
  });

  it("cuts a watch stream once the grace period is over, then exits 0 [R03.5.1, R03.P.11]", async () => {
    const { payment, client } = await startPayment();
    const card = await adminOf({ url: payment.url, payment }).openAccount(100);
    const stream = watch(client, card);
    await stream.until(1);
    void payment.kill("SIGTERM");
    const status = await exitWithin(payment, 10_000);
    expect(status.code, `exit code after SIGTERM with a stream open. Output:\n${payment.logs().slice(-1500)}`).toBe(0);
    expect(payment.logs(), `forced after ${GRACE_MS} ms`).toMatch(/"ended":"forced"/);
    const ended = await stream.ended();
    expect(["UNAVAILABLE", "CANCELLED"], `the stream ended with ${codeName(ended.code)}`).toContain(
      codeName(ended.code),
    );
  });
});
