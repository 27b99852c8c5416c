import { runService } from "@distlab/kit/service";
import { KvClient } from "./kv-client.ts";
import { buildPetStoreApp } from "./petstore/app.ts";
import { Auth } from "./petstore/auth.ts";
import { PaymentClient } from "./petstore/payment-client.ts";
import { GrpcPaymentClient } from "./petstore/payment-grpc-client.ts";
import type { PaymentPort } from "./petstore/payment-port.ts";

/**
 * PetStore: all its state is in the KV, so it can be killed and restarted at any moment. Settings:
 * KV_URL (required); PAYMENT_TRANSPORT, `http` (default, then PAYMENT_URL is required) or `grpc` (then
 * PAYMENT_GRPC_TARGET, Payment's gRPC host:port); ADMIN_TOKEN, SESSION_TTL_MS (default 1 h),
 * RESERVATION_MS (how long a pet in a cart stays reserved, default 15 min), REQUEST_BUDGET_MS (the longest
 * a request may take, default 10 s), PAYMENT_TIMEOUT_MS / PAYMENT_DEADLINE_MS (one attempt over HTTP /
 * the whole call to Payment), PAYMENT_MAX_ATTEMPTS / PAYMENT_RETRY_BUDGET (attempts per HTTP call to Payment /
 * retries in a burst), KV_TIMEOUT_MS / KV_DEADLINE_MS.
 */

function required(name: string, example: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set, e.g. ${name}=${example}`);
  return value;
}

function paymentPort(): PaymentPort {
  const transport = process.env.PAYMENT_TRANSPORT || "http";
  if (transport === "http") return new PaymentClient(required("PAYMENT_URL", "http://127.0.0.1:4002"));
  if (transport === "grpc") {
    const target = required("PAYMENT_GRPC_TARGET", "127.0.0.1:50051");
    return new GrpcPaymentClient(target, milliseconds("PAYMENT_DEADLINE_MS", 6000));
  }
  throw new Error(`PAYMENT_TRANSPORT must be http or grpc, got '${transport}'`);
}

function milliseconds(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

await runService({
  name: "petstore",
  async build({ logger }) {
    const kv = new KvClient(required("KV_URL", "http://127.0.0.1:4001"));
    const payment = paymentPort();
    const auth = new Auth(kv, milliseconds("SESSION_TTL_MS", 3_600_000));
    const app = await buildPetStoreApp({
      kv,
      auth,
      payment,
      adminToken: process.env.ADMIN_TOKEN,
      reservationMs: milliseconds("RESERVATION_MS", 15 * 60_000),
      requestBudgetMs: milliseconds("REQUEST_BUDGET_MS", 10_000),
      logger,
    });
    app.addHook("onClose", async () => {
      await Promise.all([kv.close(), payment.close()]);
    });
    return app;
  },
});
