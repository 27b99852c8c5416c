import { createServer } from "@distlab/kit/http-engine";
import { ManualClock, systemClock } from "./clock.ts";
import { parseRoutesFile } from "./config/parse.ts";
import { discoveredServices, registryRoutesSource, resolverFromEnv } from "./config/registry.ts";
import { fileRoutesSource, type RoutesSource } from "./config/source.ts";
import { Gateway } from "./gateway.ts";

/**
 * The gateway process. Settings (environment):
 *   GATEWAY_ROUTES   the routes file, YAML or JSON (required), or "registry": the registry's KV (see config/registry.ts)
 *   REGISTRY         etcd | consul, with ETCD_ENDPOINTS or CONSUL_HTTP_ADDR (Lab 08's settings), for discovery upstreams
 *   GATEWAY_CLOCK    "manual" to move time only through POST /_gateway/clock (tests, demos)
 *   DISTLAB_HOST, DISTLAB_PORT, DISTLAB_GRACE_MS   where to listen; how long draining may take
 * Prints {"msg":"listening","port":N} once it accepts requests. SIGHUP reloads the routes; SIGTERM and
 * SIGINT drain and exit 0.
 */

const log = (entry: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ time: Date.now(), ...entry })}\n`);

const routesPath = process.env.GATEWAY_ROUTES;
if (!routesPath) {
  log({ msg: "GATEWAY_ROUTES must name the routes file, e.g. GATEWAY_ROUTES=routes.yaml" });
  process.exit(2);
}
const manualClock = process.env.GATEWAY_CLOCK === "manual" ? new ManualClock() : undefined;
let gateway: Gateway;
let routes: RoutesSource;
try {
  routes = routesPath === "registry" ? await registryRoutesSource() : fileRoutesSource(routesPath);
  const discovery = await resolverFromEnv(await servicesToWatch(routes));
  gateway = new Gateway({
    clock: manualClock ?? systemClock,
    ...(manualClock ? { manualClock } : {}),
    ...(discovery ? { discovery } : {}),
    routes,
    log,
  });
  await gateway.start();
} catch (error) {
  // Plain text, one problem a line: what an operator (or a test) reads first.
  log({ msg: "the gateway cannot start" });
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}

const server = createServer(gateway.handle, { keepAliveTimeoutMs: 65_000 });
const host = process.env.DISTLAB_HOST || "127.0.0.1";
void server.listen(Number(process.env.DISTLAB_PORT || 0), host).then(({ port }) => {
  log({
    msg: "listening",
    port,
    url: `http://${host}:${port}`,
    routes: routesPath,
    clock: manualClock ? "manual" : "system",
  });
});

/** The services the routes find through discovery, watched from the start (a bad file is reported by start()). */
async function servicesToWatch(source: RoutesSource): Promise<string[]> {
  try {
    return discoveredServices(parseRoutesFile(await source.read(), source.name));
  } catch {
    return [];
  }
}

const reload = () => void gateway.reload();
const stopWatching = routes.watch(reload);
process.on("SIGHUP", reload);
let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  stopWatching();
  log({ msg: "draining", signal, inFlight: gateway.inFlight });
  const graceMs = Number(process.env.DISTLAB_GRACE_MS || 10_000);
  gateway.drain(server, graceMs).then(
    () => {
      log({ msg: "stopped" });
      process.exit(0);
    },
    (error: unknown) => {
      log({ msg: "drain failed", error: String(error) });
      process.exit(1);
    },
  );
};
process.once("SIGTERM", () => stop("SIGTERM"));
process.once("SIGINT", () => stop("SIGINT"));
