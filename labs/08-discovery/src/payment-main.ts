import { connectKv } from "@distlab/lab/02-rpc/kv.ts";
import { buildPaymentApp } from "@distlab/lab/02-rpc/payment/app.ts";
import { runDiscoverable } from "./discoverable.ts";

/** Lab 02's Payment, discoverable: registered as `payment`. KV_URL names the KV, as in Lab 02. */
await runDiscoverable({
  name: "payment",
  async build({ logger }) {
    const kvUrl = process.env.KV_URL;
    if (!kvUrl) throw new Error("KV_URL must name the KV service, e.g. KV_URL=http://127.0.0.1:4001");
    const kv = connectKv(kvUrl);
    const app = await buildPaymentApp({ kv, adminToken: process.env.ADMIN_TOKEN, logger });
    app.addHook("onClose", () => kv.close());
    return app;
  },
});
