import { runService } from "@distlab/kit/service";
import { buildApp } from "./app.ts";
import { Store } from "./store.ts";

const MIB = 1024 * 1024;

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

await runService({
  name: "kv",
  async build({ config, logger }) {
    const store = await Store.open(config.dataDir, { compactBytes: setting("KV_COMPACT_BYTES", 64 * MIB) });
    const app = await buildApp({ store, maxValueBytes: setting("KV_MAX_VALUE_BYTES", 64 * 1024), logger });
    app.addHook("onClose", () => store.close());
    logger.info(store.stats, "store recovered");
    return app;
  },
});
