import { runService } from "@distlab/kit/service";
import { integerSetting, requiredSetting } from "@distlab/kit/shop";
import { kvPolicyFromEnv } from "@distlab/lab/02-rpc/kv.ts";
import { paymentFromEnv } from "@distlab/lab/02-rpc/payment/service.ts";
import { callWithRetry } from "@distlab/lab/02-rpc/resilience.ts";
import { shutdownGracefully, startPaymentGrpc } from "./payment/grpc-server.ts";
import { JournalingKvClient } from "./payment/journal.ts";

/**
 * Lab 02's Payment over HTTP, and the same domain over gRPC beside it, on one KV client that journals every
 * money movement (payment/journal.ts). Settings: Lab 02's (payment/service.ts there), and GRPC_PORT
 * (default 0: a free port, logged as `{"msg":"grpc listening","grpcPort":N}`), GRPC_GRACE_MS (how long
 * running gRPC calls get to finish on shutdown, default 5000), WATCH_PAGE_SIZE (default 32), WATCH_POLL_MS
 * (default 250).
 */
await runService({
  name: "payment",
  async build({ config, logger }) {
    const policy = kvPolicyFromEnv();
    const kv = new JournalingKvClient(requiredSetting("KV_URL", "http://127.0.0.1:4001"), (attempt) =>
      callWithRetry(attempt, policy, { idempotent: true }),
    );
    const app = await paymentFromEnv({ logger, kv });
    const grpc = await startPaymentGrpc(
      {
        kv,
        adminToken: process.env.ADMIN_TOKEN,
        logger,
        metrics: app.metrics,
        watch: { pageSize: integerSetting("WATCH_PAGE_SIZE", 32), pollMs: integerSetting("WATCH_POLL_MS", 250, 0) },
      },
      { host: config.host, port: integerSetting("GRPC_PORT", 0, 0) },
    );
    const listening = { grpcPort: grpc.port, grpcAddress: `${config.host}:${grpc.port}` };
    // Tests and demos read this line to learn the port, whatever the log level.
    if (logger.isLevelEnabled("info")) logger.info(listening, "grpc listening");
    else process.stdout.write(`${JSON.stringify({ ...listening, msg: "grpc listening" })}\n`);
    const graceMs = integerSetting("GRPC_GRACE_MS", 5000, 0);
    app.addHook("onClose", async () => {
      logger.info({ graceMs }, "grpc server draining: no new calls, running ones may finish");
      const ended = await shutdownGracefully(grpc.server, graceMs);
      logger.info({ ended, graceMs }, "grpc server stopped");
      await kv.close();
    });
    return app;
  },
});
