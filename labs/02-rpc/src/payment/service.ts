import type { ServiceApp } from "@distlab/kit/service";
import { requiredSetting, type KvClient } from "@distlab/kit/shop";
import type { Logger } from "pino";
import { connectKv } from "../kv.ts";
import { buildPaymentApp } from "./app.ts";

/**
 * Payment as its main starts it: KV_URL (required), ADMIN_TOKEN, and the KV client's KV_TIMEOUT_MS /
 * KV_DEADLINE_MS. A later lab that composes Payment with more (Lab 03's gRPC server) may hand it the KV
 * client to use; it then closes that client itself.
 */
export async function paymentFromEnv(options: { logger: Logger; kv?: KvClient }): Promise<ServiceApp> {
  const kv = options.kv ?? connectKv(requiredSetting("KV_URL", "http://127.0.0.1:4001"));
  const app = await buildPaymentApp({ kv, adminToken: process.env.ADMIN_TOKEN, logger: options.logger });
  if (!options.kv) app.addHook("onClose", () => kv.close());
  return app;
}
