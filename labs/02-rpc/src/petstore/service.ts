import type { ServiceApp } from "@distlab/kit/service";
import { Auth, integerSetting, requiredSetting, type PaymentPort } from "@distlab/kit/shop";
import type { Logger } from "pino";
import { connectKv } from "../kv.ts";
import { buildPetStoreApp } from "./app.ts";
import { PaymentClient } from "./payment-client.ts";

/**
 * PetStore as its main starts it: all its state is in the KV, so it can be killed and restarted at any
 * moment. Settings: KV_URL and PAYMENT_URL (required), ADMIN_TOKEN, SESSION_TTL_MS (default 1 h),
 * RESERVATION_MS (how long a pet in a cart stays reserved, default 15 min), PAYMENT_TIMEOUT_MS /
 * PAYMENT_DEADLINE_MS (one attempt / the whole call to Payment), PAYMENT_MAX_ATTEMPTS / PAYMENT_RETRY_BUDGET
 * (attempts per call to Payment / retries to Payment in a burst), KV_TIMEOUT_MS / KV_DEADLINE_MS.
 *
 * A later lab may hand it another way to reach Payment (Lab 03: gRPC); PAYMENT_URL is then not needed.
 */
export async function petStoreFromEnv(options: { logger: Logger; payment?: PaymentPort }): Promise<ServiceApp> {
  const kv = connectKv(requiredSetting("KV_URL", "http://127.0.0.1:4001"));
  const payment = options.payment ?? new PaymentClient(requiredSetting("PAYMENT_URL", "http://127.0.0.1:4002"));
  const auth = new Auth(kv, integerSetting("SESSION_TTL_MS", 3_600_000));
  const app = await buildPetStoreApp({
    kv,
    auth,
    payment,
    adminToken: process.env.ADMIN_TOKEN,
    reservationMs: integerSetting("RESERVATION_MS", 15 * 60_000),
    logger: options.logger,
  });
  app.addHook("onClose", async () => {
    await Promise.all([kv.close(), payment.close()]);
  });
  return app;
}
