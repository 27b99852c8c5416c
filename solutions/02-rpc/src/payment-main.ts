import { runService } from "@distlab/kit/service";
import { KvClient } from "./kv-client.ts";
import { buildPaymentApp } from "./payment/app.ts";

/**
 * Payment: keeps nothing but connections in memory. Settings: KV_URL (required), ADMIN_TOKEN, and the KV
 * client's KV_TIMEOUT_MS / KV_DEADLINE_MS.
 */
await runService({
  name: "payment",
  async build({ logger }) {
    const kvUrl = process.env.KV_URL;
    if (!kvUrl) throw new Error("KV_URL must name the KV service, e.g. KV_URL=http://127.0.0.1:4001");
    const kv = new KvClient(kvUrl);
    const app = await buildPaymentApp({ kv, adminToken: process.env.ADMIN_TOKEN, logger });
    app.addHook("onClose", () => kv.close());
    return app;
  },
});
