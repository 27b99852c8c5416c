import { mkdir } from "node:fs/promises";
import { pino, type Logger } from "pino";
import type { ServiceApp } from "./app.ts";

/** How `distlab run` (and the test harness, which calls it) configures a service: flags become env vars. */
export interface ServiceConfig {
  host: string;
  /** 0 asks the OS for a free port; the real one is logged as `{"msg":"listening","port":N}`. */
  port: number;
  /** Where the service keeps its files; created when missing. */
  dataDir: string;
  /** How long shutdown may wait for in-flight requests before the process exits anyway. */
  graceMs: number;
}

function envNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return value;
}

export function serviceConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return {
    host: env.DISTLAB_HOST || "127.0.0.1",
    port: envNumber(env, "DISTLAB_PORT", 0),
    dataDir: env.DISTLAB_DATA_DIR || "./data",
    graceMs: envNumber(env, "DISTLAB_GRACE_MS", 10_000),
  };
}

export interface RunnableService {
  name: string;
  build(context: { config: ServiceConfig; logger: Logger }): Promise<ServiceApp>;
}

/**
 * Runs one service in the foreground: listen, log the address, and on SIGTERM/SIGINT stop accepting,
 * let in-flight requests finish, run the service's onClose hooks (flush, close files) and exit 0.
 */
export async function runService(service: RunnableService, config = serviceConfigFromEnv()): Promise<ServiceApp> {
  const logger = pino({ name: service.name, level: process.env.LOG_LEVEL || "info" });
  await mkdir(config.dataDir, { recursive: true });
  const app = await service.build({ config, logger });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      logger.error({ graceMs: config.graceMs }, "shutdown took longer than the grace period; exiting");
      process.exit(1);
    }, config.graceMs);
    force.unref();
    app.close().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const listening = { port, url: `http://${config.host}:${port}`, dataDir: config.dataDir };
  // The harness and `distlab run` users read this line to learn the port, whatever the log level.
  if (logger.isLevelEnabled("info")) logger.info(listening, "listening");
  else process.stdout.write(`${JSON.stringify({ ...listening, msg: "listening" })}\n`);
  return app;
}
