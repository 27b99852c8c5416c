import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { startService, stopAllServices } from "@distlab/kit/harness";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";
import { closedLoop, type LoadResult } from "./load.ts";
import { formatTable } from "./table.ts";

/**
 * HTTP/JSON against gRPC on the same work: Lab 03's Payment serves both on the same domain code, so the
 * same idempotent charge is measured through each, against one Payment process on one KV.
 */

export type Transport = "http/json (undici)" | "grpc";

export interface RpcBenchRow extends LoadResult {
  transport: Transport;
}

export interface RpcBenchReport {
  rows: RpcBenchRow[];
  notes: string[];
}

const CONCURRENCIES = [1, 64];
const ADMIN_TOKEN = "bench-admin-token";
/** One account per worker, so that concurrent charges do not all contend for one account record. */
const ACCOUNTS = 64;

type Charge = (card: string, key: string) => Promise<boolean>;

/** Card numbers that pass the Luhn check: 15 digits, then the check digit. */
function card(index: number): string {
  const body = `4${String(index).padStart(14, "0")}`;
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let digit = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}

/** A client for Lab 03's PaymentService, built from the target's own payment.proto. */
export function paymentGrpcClient(target: string, address: string): grpc.Client {
  const definition = grpc.loadPackageDefinition(
    loadSync(join(target, "src", "proto", "payment.proto"), { longs: Number, enums: String, defaults: true }),
  ) as unknown as { distlab: { payment: { v1: { PaymentService: grpc.ServiceClientConstructor } } } };
  return new definition.distlab.payment.v1.PaymentService(address, grpc.credentials.createInsecure());
}

/** The gRPC port Payment logged (`{"msg":"grpc listening","grpcPort":N}`), waiting up to 10 s for it. */
export async function grpcPortOf(logs: () => string): Promise<number> {
  for (let tries = 0; tries < 500; tries++) {
    const line = logs()
      .split("\n")
      .find((text) => text.includes('"grpc listening"'));
    if (line) return (JSON.parse(line) as { grpcPort: number }).grpcPort;
    await sleep(20);
  }
  throw new Error("Payment never logged its gRPC port");
}

async function measure(transport: Transport, charge: Charge, seconds: number, run: string): Promise<RpcBenchRow[]> {
  const op = (worker: number, sequence: number) =>
    charge(card(worker % ACCOUNTS), `${run}-${transport.slice(0, 4)}-${worker}-${sequence}`);
  await closedLoop(8, 500, (worker, sequence) => op(worker, -1 - sequence));
  const rows: RpcBenchRow[] = [];
  for (const concurrency of CONCURRENCIES) {
    rows.push({ transport, ...(await closedLoop(concurrency, seconds * 1000, op)) });
  }
  return rows;
}

/** The charge workload over HTTP/JSON (undici, 64 keep-alive connections) and over gRPC (one HTTP/2 channel). */
export async function benchRpc(target: string, seconds: number): Promise<RpcBenchReport> {
  const run = `bench-${Date.now().toString(36)}`;
  try {
    const kv = await startService({ lab: "01-kv", service: "kv", env: { LOG_LEVEL: "warn" } });
    const payment = await startService({
      lab: "03-grpc",
      service: "payment",
      target,
      env: { LOG_LEVEL: "warn", KV_URL: kv.url, ADMIN_TOKEN },
    });
    const pool = new Pool(payment.url, { connections: 64, pipelining: 1 });
    const client = paymentGrpcClient(target, `127.0.0.1:${await grpcPortOf(payment.logs)}`);
    try {
      for (let index = 0; index < ACCOUNTS; index++) {
        const response = await pool.request({
          method: "POST",
          path: "/accounts",
          headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
          body: JSON.stringify({ card: card(index), balance: 100_000_000 }),
        });
        await response.body.dump();
        if (response.statusCode !== 201 && response.statusCode !== 409) {
          throw new Error(`opening account ${index} answered ${response.statusCode}`);
        }
      }
      const overHttp: Charge = async (cardNumber, key) => {
        const response = await pool.request({
          method: "POST",
          path: "/charges",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ card: cardNumber, amount: 1, idempotencyKey: key }),
        });
        await response.body.dump();
        return response.statusCode === 201;
      };
      const charge = (client as unknown as Record<string, (...args: unknown[]) => unknown>).Charge!.bind(client);
      const overGrpc: Charge = (cardNumber, key) =>
        new Promise((resolve) => {
          const metadata = new grpc.Metadata();
          metadata.set("idempotency-key", key);
          charge({ card: cardNumber, amountCents: 1 }, metadata, { deadline: Date.now() + 10_000 }, (error: unknown) =>
            resolve(!error),
          );
        });
      const rows = [
        ...(await measure("http/json (undici)", overHttp, seconds, run)),
        ...(await measure("grpc", overGrpc, seconds, run)),
      ];
      return {
        rows: CONCURRENCIES.flatMap((concurrency) => rows.filter((row) => row.concurrency === concurrency)),
        notes: [
          "the same idempotent charge (1 cent, a fresh key each time) on one Payment process and one KV",
          "HTTP/JSON: undici, up to 64 keep-alive HTTP/1.1 connections; gRPC: one channel, one HTTP/2 connection",
        ],
      };
    } finally {
      client.close();
      await pool.close();
    }
  } finally {
    await stopAllServices();
  }
}

export function rpcTable(report: RpcBenchReport): string {
  const table = formatTable(
    ["transport", "concurrency", "charges/s", "p50 ms", "p99 ms", "errors"],
    report.rows.map((row) => [
      row.transport,
      String(row.concurrency),
      row.opsPerSecond.toFixed(0),
      row.p50ms.toFixed(2),
      row.p99ms.toFixed(2),
      String(row.errors),
    ]),
    "lrrrrr",
  );
  return [table, ...report.notes.map((note) => `note: ${note}`)].join("\n");
}
