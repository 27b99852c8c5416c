import { runService } from "@distlab/kit/service";
import { paymentFromEnv } from "./payment/service.ts";

/** Payment: keeps nothing but connections in memory; its settings are listed in payment/service.ts. */
await runService({ name: "payment", build: ({ logger }) => paymentFromEnv({ logger }) });
