// One node of the live cluster in its own process (`distlab run 05 node`, started by the cluster): the
// node's handlers on the live runtime (real timers, the HTTP transport between processes), and a small
// HTTP service whose GET /state shows the node's state, read-only, for the cluster's front and demos.
import { HttpTransport, LiveNode, type NodeDef } from "@distlab/kit/sim";
import { createService, runService } from "@distlab/kit/service";
import { cacheNode } from "../cache.ts";
import { VIEW_SERVICE } from "./cluster-layout.ts";
import type { Message } from "../messages.ts";
import { replicaNode } from "../replica.ts";
import { viewServiceNode } from "../viewservice.ts";
import { nodeSettings, type NodeSettings } from "./settings.ts";

function definition(settings: NodeSettings): NodeDef<unknown, Message> {
  switch (settings.role) {
    case "viewservice":
      return viewServiceNode() as NodeDef<unknown, Message>;
    case "replica":
      return replicaNode({ viewService: VIEW_SERVICE, mode: settings.mode }) as NodeDef<unknown, Message>;
    case "cache":
      return cacheNode() as NodeDef<unknown, Message>;
  }
}

/** A node started by the cluster ends with it, even when the cluster was killed with SIGKILL. */
function endWithParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
  }, 250).unref();
}

const settings = nodeSettings();
endWithParent();
const transport = new HttpTransport({ directory: settings.addresses });
const node = new LiveNode(settings.id, definition(settings), { transport });
await node.start();

await runService({
  name: `pb-${settings.id}`,
  async build({ logger }) {
    const app = await createService({
      name: `pb-${settings.id}`,
      description: `Lab 05: ${settings.role} ${settings.id}`,
      logger,
    });
    app.get("/state", { schema: { hide: true } }, async () => ({
      id: settings.id,
      role: settings.role,
      state: node.state,
    }));
    app.addHook("onClose", async () => {
      await node.stop();
      await transport.close();
    });
    return app;
  },
});
