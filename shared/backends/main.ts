/**
 * Runs one test backend as its own process (tests kill it with SIGKILL like any crashed instance):
 *
 *   node shared/backends/main.ts --instance b1 [--port 0] [--host 127.0.0.1] [--fixed]
 *
 * Prints {"msg":"listening","port":N,"instance":...} once listening; stops on SIGTERM or SIGINT.
 */
import { parseArgs } from "node:util";
import { createBackendServer } from "./server.ts";

const { values } = parseArgs({
  options: {
    instance: { type: "string" },
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    fixed: { type: "boolean", default: false },
  },
  strict: true,
});
const port = Number(values.port);
if (!values.instance || !Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write("usage: node shared/backends/main.ts --instance NAME [--port N] [--host H] [--fixed]\n");
  process.exit(2);
}
const server = createBackendServer({ instance: values.instance, fixed: values.fixed });
server.listen(port, values.host, () => {
  const address = server.address();
  const actual = typeof address === "object" && address ? address.port : port;
  process.stdout.write(`${JSON.stringify({ msg: "listening", port: actual, instance: values.instance })}\n`);
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
