// One node of the live cluster in its own process (`distlab run 05 node`, started by the cluster): the
// node's handlers on the live runtime (real timers, the HTTP transport between processes), and a tiny HTTP
// endpoint, GET /state, that shows the node's state read-only to the cluster's front and to demos. Kept
// to node:http so that the cluster's processes start quickly.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpTransport, LiveNode, type NodeDef } from "@distlab/kit/sim";
import { cacheNode } from "../cache.ts";
import type { Message } from "../messages.ts";
import { replicaNode } from "../replica.ts";
import { viewServiceNode } from "../viewservice.ts";
import { VIEW_SERVICE } from "./cluster-layout.ts";
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

const server = createServer((request, response) => {
  const found = request.method === "GET" && request.url === "/state";
  response.writeHead(found ? 200 : 404, { "content-type": "application/json" });
  response.end(found ? JSON.stringify({ id: settings.id, role: settings.role, state: node.state ?? null }) : "{}");
});
await new Promise<void>((resolve) =>
  server.listen(Number(process.env["DISTLAB_PORT"] ?? 0), process.env["DISTLAB_HOST"] ?? "127.0.0.1", resolve),
);
const { port } = server.address() as AddressInfo;
// The cluster reads this line to learn the port, like the kit's services print it.
process.stdout.write(`${JSON.stringify({ msg: "listening", id: settings.id, port })}\n`);

const stop = async () => {
  server.close();
  await node.stop();
  await transport.close();
  process.exit(0);
};
process.once("SIGTERM", () => void stop());
process.once("SIGINT", () => void stop());
