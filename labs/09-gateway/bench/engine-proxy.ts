/**
 * The floor of a gateway on the kit's HTTP engine, as its own process: `node engine-proxy.ts <upstream URL>`.
 * The engine's server and pool (@distlab/kit/http-engine) and nothing between them — no routing, no
 * balancing, no limits, no ids, no metrics. Prints {"msg":"listening","port":N}.
 */
// A relative path, not @distlab/kit/http-engine: Node runs this erasable TypeScript itself, without the
// kit's loader, so that the process starts as plainly as bare-proxy.ts does.
import { createServer, Http1Pool, type HeaderList } from "../../../shared/http-engine/index.ts";

const upstream = process.argv[2];
if (!upstream) {
  process.stderr.write("usage: node engine-proxy.ts <upstream URL>\n");
  process.exit(2);
}
const pool = new Http1Pool(upstream, { connections: 64 });
const server = createServer((request, response) => {
  pool.dispatch(
    { method: request.method, path: request.url, headers: request.headerList, body: null },
    {
      onHead: (status: number, headers: HeaderList) => void response.writeHead(status, headers),
      onData: (chunk: Buffer) => response.write(chunk),
      onEnd: () => response.end(),
      onError: () => {
        if (response.headersSent) response.destroy();
        else response.writeHead(502).end();
      },
    },
  );
});
const address = await server.listen(0);
process.stdout.write(`${JSON.stringify({ msg: "listening", port: address.port })}\n`);
process.once("SIGTERM", () => {
  server.drain();
  server.closeAllConnections();
  void pool.close().then(() => process.exit(0));
});
