import type * as grpc from "@grpc/grpc-js";
import { startTcpFaultProxy, type TcpFaultProxy } from "@distlab/kit/faults";
import { startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { call, expectStatus } from "../../02-rpc/tests/http.ts";
import { ADMIN_TOKEN, newCard } from "../../02-rpc/tests/shop.ts";
import { grpcPort, paymentClient } from "./grpc.ts";
import { startGrpcRelay, type GrpcRelay } from "./h2-relay.ts";

export { ADMIN_TOKEN, newCard, testSeed, newCustomer } from "../../02-rpc/tests/shop.ts";
export { call, expectStatus, show as showHttp } from "../../02-rpc/tests/http.ts";

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
  const kv = await startService({ lab: "01-kv", service: "kv" });
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

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** What an admin does, over HTTP: the same books the gRPC API serves. */
export const adminOf = (shop: { url: string; payment: ServiceProcess }) => ({
  async createPet(pet: { name: string; species: string; price: number }) {
    return expectStatus(await call(shop.url, "POST", "/pets", { json: pet, headers: admin }), 201, "POST /pets");
  },
  async openAccount(balance: number, card = newCard()): Promise<string> {
    expectStatus(
      await call(shop.payment.url, "POST", "/accounts", { json: { card, balance }, headers: admin }),
      201,
      "POST /accounts",
    );
    return card;
  },
  async credit(card: string, amount: number) {
    return expectStatus(
      await call(shop.payment.url, "POST", `/accounts/${card}/credit`, { json: { amount }, headers: admin }),
      200,
      "POST /accounts/:card/credit",
    );
  },
  async balance(card: string): Promise<number> {
    return expectStatus(
      await call(shop.payment.url, "GET", `/accounts/${card}`, { headers: admin }),
      200,
      "GET /accounts/:card",
    ).balance;
  },
});

let keys = 0;
/** A fresh idempotency key. */
export const newKey = (prefix = "key") => `${prefix}-${process.pid}-${Date.now()}-${++keys}`;

export const adminMetadata = { authorization: `Bearer ${ADMIN_TOKEN}` };
