import { runService } from "@distlab/kit/service";
import { integerSetting, requiredSetting, type PaymentPort } from "@distlab/kit/shop";
import { petStoreFromEnv } from "@distlab/lab/02-rpc/petstore/service.ts";
import { propagateCallContext } from "./petstore/call-context.ts";
import { GrpcPaymentClient } from "./petstore/payment-grpc-client.ts";

/**
 * Lab 02's PetStore, reaching Payment over the transport PAYMENT_TRANSPORT names: `http` (default: Lab 02's
 * client, PAYMENT_URL) or `grpc` (PAYMENT_GRPC_TARGET, Payment's gRPC host:port). Every request is served
 * inside its call context: REQUEST_BUDGET_MS is the longest a request may take (default 10 s), and
 * PAYMENT_DEADLINE_MS the longest one gRPC call to Payment may take (default 6 s). Lab 02's settings
 * (petstore/service.ts there) apply as they are.
 */

function paymentOverGrpc(): PaymentPort | undefined {
  const transport = process.env.PAYMENT_TRANSPORT || "http";
  if (transport === "http") return undefined;
  if (transport === "grpc") {
    const target = requiredSetting("PAYMENT_GRPC_TARGET", "127.0.0.1:50051");
    return new GrpcPaymentClient(target, integerSetting("PAYMENT_DEADLINE_MS", 6000));
  }
  throw new Error(`PAYMENT_TRANSPORT must be http or grpc, got '${transport}'`);
}

await runService({
  name: "petstore",
  async build({ logger }) {
    const payment = paymentOverGrpc();
    const app = await petStoreFromEnv({ logger, ...(payment ? { payment } : {}) });
    propagateCallContext(app, integerSetting("REQUEST_BUDGET_MS", 10_000));
    return app;
  },
});
