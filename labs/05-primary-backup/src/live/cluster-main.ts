// `distlab run 05 cluster`: the view service, two replicas and the cache as processes, and Lab 01's
// key-value HTTP API in front of them. PB_MODE=sync|async, PB_CACHE=on|off, PB_CLIENTS, PB_TIMEOUT_MS.
import { runService } from "@distlab/kit/service";
import { Cluster } from "./cluster.ts";
import { buildFront } from "./front.ts";
import { clusterSettings } from "./settings.ts";

const settings = clusterSettings();

await runService({
  name: "pb-cluster",
  async build({ config, logger }) {
    const cluster = await Cluster.start(settings, config.dataDir);
    const app = await buildFront(cluster, logger);
    app.addHook("onClose", () => cluster.stop());
    logger.info(await cluster.status(), "cluster serving");
    return app;
  },
});
