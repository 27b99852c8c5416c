/**
 * The ceiling of a Node gateway, as its own process: `node bare-proxy.ts <upstream URL>`. The gateway's
 * two building blocks and nothing else — a node:http server and an undici Pool of 64 keep-alive
 * connections, each request dispatched with the handler API and its answer streamed back — with no
 * routing, no balancing, no limits, no ids, no metrics. Whatever the gateway's features cost comes on top
 * of this row. Prints {"msg":"listening","port":N}.
 */
import { createServer, type ServerResponse } from "node:http";
import { Pool, type Dispatcher } from "undici";

const upstream = process.argv[2];
if (!upstream) {
  process.stderr.write("usage: node bare-proxy.ts <upstream URL>\n");
  process.exit(2);
}
const pool = new Pool(upstream, { connections: 64 });
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "host"]);

// Plain fields, no parameter properties: Node runs this file's TypeScript itself, erasable syntax only.
class Relay implements Dispatcher.DispatchHandler {
  private readonly response: ServerResponse;

  constructor(response: ServerResponse) {
    this.response = response;
  }

  onRequestStart() {}

  onResponseStart(_: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[]>) {
    const head: (string | string[])[] = [];
    for (const name in headers) if (!HOP_BY_HOP.has(name)) head.push(name, headers[name]!);
    this.response.writeHead(status, head);
  }

  onResponseData(_: Dispatcher.DispatchController, chunk: Buffer) {
    this.response.write(chunk);
  }

  onResponseEnd() {
    this.response.end();
  }

  onResponseError() {
    if (this.response.headersSent) this.response.destroy();
    else this.response.writeHead(502).end();
  }
}

const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (request, response) => {
  const headers: string[] = [];
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!HOP_BY_HOP.has(name)) headers.push(name, raw[i + 1]!);
  }
  pool.dispatch({ path: request.url!, method: request.method!, headers, body: null }, new Relay(response));
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ msg: "listening", port: typeof address === "object" && address ? address.port : 0 })}\n`,
  );
});
process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  void pool.close().then(() => process.exit(0));
});
