// Lab 03's benchmark (`distlab bench 03`): HTTP/JSON against gRPC on the same work. Payment serves both on
// the same domain code, so the same idempotent charge is measured through each, against one Payment
// process on one KV, in one run.
import * as grpc from "@grpc/grpc-js";
import { closedLoop, loadRow, type BenchOptions, type BenchReport, type BenchRow } from "@distlab/kit/bench";
import { startService, stopAllServices } from "@distlab/kit/harness";
import { Pool } from "undici";
import { grpcPort, paymentClient } from "../tests/grpc.ts";

type Transport = "http/json (undici)" | "grpc";
const UNIT = "charges";

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

async function measure(transport: Transport, charge: Charge, seconds: number, run: string): Promise<BenchRow[]> {
  const op = (worker: number, sequence: number) =>
    charge(card(worker % ACCOUNTS), `${run}-${transport.slice(0, 4)}-${worker}-${sequence}`);
  await closedLoop(8, 500, (worker, sequence) => op(worker, -1 - sequence));
  const rows: BenchRow[] = [];
  for (const concurrency of CONCURRENCIES) {
    rows.push(loadRow(transport, await closedLoop(concurrency, seconds * 1000, op), UNIT));
  }
  return rows;
}

/** The charge workload over HTTP/JSON (undici, 64 keep-alive connections) and over gRPC (one HTTP/2 channel). */
export async function bench({ target, seconds, log }: BenchOptions): Promise<BenchReport> {
  const run = `bench-${Date.now().toString(36)}`;
  log(`grpc: the same charges over HTTP/JSON and gRPC, ${seconds} s per row (target ${target})`);
  try {
    const kv = await startService({ lab: "01-kv", service: "kv", env: { LOG_LEVEL: "warn" } });
    const payment = await startService({
      lab: "03-grpc",
      service: "payment",
      target,
      env: { LOG_LEVEL: "warn", KV_URL: kv.url, ADMIN_TOKEN },
    });
    const pool = new Pool(payment.url, { connections: 64, pipelining: 1 });
    const client = paymentClient(`127.0.0.1:${await grpcPort(payment)}`);
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
      const at64 = (transport: Transport) => rows.find((row) => row.system === transport && row.concurrency === 64);
      const [http, grpcRow] = [at64("http/json (undici)"), at64("grpc")];
      return {
        rows: CONCURRENCIES.flatMap((concurrency) => rows.filter((row) => row.concurrency === concurrency)),
        ratios: http && grpcRow && http.rps > 0 ? { "http-json": Number((grpcRow.rps / http.rps).toFixed(3)) } : {},
        notes: [
          "ratio: gRPC charges/s over HTTP/JSON charges/s at concurrency 64",
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
