/**
 * The @fastify/http-proxy baseline, as its own process: `node fastify-proxy.ts <upstream URL>`. Prints
 * {"msg":"listening","port":N}. Default options: what a team gets from the package's README.
 */
import proxy from "@fastify/http-proxy";
import Fastify from "fastify";

const upstream = process.argv[2];
if (!upstream) {
  process.stderr.write("usage: node fastify-proxy.ts <upstream URL>\n");
  process.exit(2);
}
const app = Fastify({ logger: false });
await app.register(proxy, { upstream });
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
process.stdout.write(
  `${JSON.stringify({ msg: "listening", port: typeof address === "object" && address ? address.port : 0 })}\n`,
);
process.once("SIGTERM", () => void app.close().then(() => process.exit(0)));
