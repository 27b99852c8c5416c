import { runService } from "@distlab/kit/service";
import { KvClient } from "./kv-client.ts";
import { buildPaymentApp } from "./payment/app.ts";
import { shutdownGracefully, startPaymentGrpc } from "./payment/grpc-server.ts";

/**
 * Payment: HTTP and gRPC side by side, on the same domain code; keeps nothing but connections in memory.
 * Settings: KV_URL (required), ADMIN_TOKEN, GRPC_PORT (default 0: a free port, logged as
 * `{"msg":"grpc listening","grpcPort":N}`), GRPC_GRACE_MS (how long running gRPC calls get to finish on
 * shutdown, default 5000), WATCH_PAGE_SIZE (default 32), WATCH_POLL_MS (default 250), and the KV client's
 * KV_TIMEOUT_MS / KV_DEADLINE_MS.
 */

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return value;
}

await runService({
  name: "payment",
  async build({ config, logger }) {
    const kvUrl = process.env.KV_URL;
    if (!kvUrl) throw new Error("KV_URL must name the KV service, e.g. KV_URL=http://127.0.0.1:4001");
    const kv = new KvClient(kvUrl);
    const adminToken = process.env.ADMIN_TOKEN;
    const app = await buildPaymentApp({ kv, adminToken, logger });
    const grpc = await startPaymentGrpc(
      {
        kv,
        adminToken,
        logger,
        metrics: app.metrics,
        watch: { pageSize: Math.max(1, setting("WATCH_PAGE_SIZE", 32)), pollMs: setting("WATCH_POLL_MS", 250) },
      },
      { host: config.host, port: setting("GRPC_PORT", 0) },
    );
    const listening = { grpcPort: grpc.port, grpcAddress: `${config.host}:${grpc.port}` };
    // Tests and demos read this line to learn the port, whatever the log level.
    if (logger.isLevelEnabled("info")) logger.info(listening, "grpc listening");
    else process.stdout.write(`${JSON.stringify({ ...listening, msg: "grpc listening" })}\n`);
    const graceMs = setting("GRPC_GRACE_MS", 5000);
    app.addHook("onClose", async () => {
      logger.info({ graceMs }, "grpc server draining: no new calls, running ones may finish");
      const ended = await shutdownGracefully(grpc.server, graceMs);
      logger.info({ ended, graceMs }, "grpc server stopped");
      await kv.close();
    });
    return app;
  },
});
