import { Auth } from "@distlab/kit/shop";
import { connectKv } from "@distlab/lab/02-rpc/kv.ts";
import { buildPetStoreApp } from "@distlab/lab/02-rpc/petstore/app.ts";
import { runDiscoverable } from "./discoverable.ts";
import { DiscoveredPayment } from "./petstore/discovered-payment.ts";

/**
 * Lab 02's PetStore, discoverable, and finding Payment through the registry (no PAYMENT_URL): registered
 * as `petstore`, resolving `payment`. KV_URL, ADMIN_TOKEN, SESSION_TTL_MS and RESERVATION_MS as in Lab 02.
 */
await runDiscoverable({
  name: "petstore",
  resolves: ["payment"],
  async build({ logger, resolver }) {
    const kvUrl = process.env.KV_URL;
    if (!kvUrl) throw new Error("KV_URL must name the KV service, e.g. KV_URL=http://127.0.0.1:4001");
    const kv = connectKv(kvUrl);
    const payment = new DiscoveredPayment(resolver!);
    const app = await buildPetStoreApp({
      kv,
      auth: new Auth(kv, Number(process.env.SESSION_TTL_MS) || 3_600_000),
      payment,
      adminToken: process.env.ADMIN_TOKEN,
      reservationMs: Number(process.env.RESERVATION_MS) || 15 * 60_000,
      logger,
    });
    app.addHook("onClose", async () => {
      await Promise.all([kv.close(), payment.close()]);
    });
    return app;
  },
});
