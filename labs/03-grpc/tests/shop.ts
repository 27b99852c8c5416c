import type * as grpc from "@grpc/grpc-js";
import { startTcpFaultProxy, type TcpFaultProxy } from "@distlab/kit/faults";
import { startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { ADMIN_TOKEN, adminHeaders } from "@distlab/kit/shop-testing";
import { grpcPort, paymentClient } from "./grpc.ts";
import { startGrpcRelay, type GrpcRelay } from "./h2-relay.ts";

/**
 * Lab 03's system on loopback, as real processes:
 *
 *   test ──► PetStore ──gRPC──► fault proxy (TCP) ──► relay ──► Payment :grpc
 *   test ────────────────────────────────────────────────────► Payment :grpc and :http
 *   PetStore, Payment ──► KV (Lab 01's reference)
 *
 * The TCP fault proxy resets, blackholes or slows new connections; the relay loses a reply after Payment
 * handled the call, or partitions open connections. Tests also call Payment's gRPC port directly, and its
 * HTTP API for admin work.
 */

export interface GrpcShop {
  kv: ServiceProcess;
  payment: ServiceProcess;
  petstore: ServiceProcess;
  /** Payment's gRPC address, direct. */
  grpcAddress: string;
  /** A client straight to Payment's gRPC port (no faults in between). */
  client: grpc.Client;
  /** Between PetStore and Payment's gRPC port. */
  proxy: TcpFaultProxy;
  relay: GrpcRelay;
  readonly url: string;
}

export interface GrpcShopOptions {
  transport?: "grpc" | "http";
  /** Watch the KV's requests (service.observation()), to see what Payment asks of it. */
  observeKv?: boolean;
  petstoreEnv?: Record<string, string>;
  paymentEnv?: Record<string, string>;
  seed?: number;
}

const closers: (() => Promise<void> | void)[] = [];

export async function stopShops(): Promise<void> {
  for (const close of closers.splice(0).reverse()) await close();
  await stopAllServices();
}

export async function startGrpcShop(options: GrpcShopOptions = {}): Promise<GrpcShop> {
  const kv = await startService({ lab: "01-kv", service: "kv", ...(options.observeKv ? { observe: {} } : {}) });
  const common = { ADMIN_TOKEN, KV_URL: kv.url };
  const payment = await startService({ service: "payment", env: { ...common, ...options.paymentEnv } });
  const port = await grpcPort(payment);
  const relay = await startGrpcRelay(port);
  closers.push(() => relay.close());
  const proxy = await startTcpFaultProxy({
    upstream: { host: "127.0.0.1", port: relay.port },
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  closers.push(() => proxy.close());
  const petstore = await startService({
    service: "petstore",
    env: {
      ...common,
      PAYMENT_TRANSPORT: options.transport ?? "grpc",
      PAYMENT_GRPC_TARGET: `127.0.0.1:${proxy.port}`,
      PAYMENT_URL: payment.url,
      ...options.petstoreEnv,
    },
  });
  const grpcAddress = `127.0.0.1:${port}`;
  const client = paymentClient(grpcAddress);
  closers.push(() => client.close());
  return { kv, payment, petstore, grpcAddress, client, proxy, relay, url: petstore.url };
}

/** gRPC metadata of an admin call. */
export const adminMetadata = adminHeaders;
