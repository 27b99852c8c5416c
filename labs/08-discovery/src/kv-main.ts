import { buildApp } from "@distlab/lab/01-kv/app.ts";
import { Store } from "@distlab/lab/01-kv/store.ts";
import { runDiscoverable } from "./discoverable.ts";

/**
 * Lab 01's KV, discoverable: registered as `kv`. Its own settings are Lab 01's (KV_MAX_VALUE_BYTES); the
 * registry's are in environment.ts.
 */
await runDiscoverable({
  name: "kv",
  async build({ config, logger }) {
    const store = await Store.open(config.dataDir, { compactBytes: 64 * 1024 * 1024 });
    const app = await buildApp({ store, maxValueBytes: Number(process.env.KV_MAX_VALUE_BYTES) || 64 * 1024, logger });
    app.addHook("onClose", () => store.close());
    return app;
  },
});
