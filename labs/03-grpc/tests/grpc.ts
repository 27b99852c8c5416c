import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import type { ServiceProcess } from "@distlab/kit/harness";
import { DEFAULT_PATIENCE_MS, silenceMessage } from "@distlab/kit/test-http";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

/**
 * A gRPC client for tests, built from the lab's payment.proto: every call comes back as a value, with its
 * status code, details, headers and trailers, whether it succeeded or not.
 */

const PROTO = fileURLToPath(new URL("../src/proto/payment.proto", import.meta.url));
const loaded = grpc.loadPackageDefinition(
  loadSync(PROTO, { longs: Number, enums: String, defaults: true, oneofs: true }),
) as unknown as { distlab: { payment: { v1: { PaymentService: grpc.ServiceClientConstructor } } } };
export const PaymentService = loaded.distlab.payment.v1.PaymentService;

export type Method = "Charge" | "Refund" | "GetAccount";

export interface GrpcReply {
  code: grpc.status;
  /** The code's name: "OK", "FAILED_PRECONDITION"... */
  codeName: string;
  details: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  value: any;
  headers: Record<string, string>;
  trailers: Record<string, string>;
}

export interface CallOptions {
  metadata?: Record<string, string>;
  /**
   * The call's deadline, from now; DEFAULT_PATIENCE_MS when absent: a correct Payment answers in
   * milliseconds, so a call that hangs fails the test fast, with a message that says so.
   */
  deadlineMs?: number;
}

export const codeName = (code: grpc.status) => grpc.status[code] ?? String(code);

export function paymentClient(address: string, channelOptions: grpc.ChannelOptions = {}): grpc.Client {
  return new PaymentService(address, grpc.credentials.createInsecure(), channelOptions);
}

function asRecord(metadata: grpc.Metadata | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata?.getMap() ?? {})) record[key] = value.toString();
  return record;
}

function metadataOf(values: Record<string, string> = {}): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(values)) metadata.set(key, value);
  return metadata;
}

/** One unary call; never throws for a status, only returns it. */
export function unary(client: grpc.Client, method: Method, request: object, options: CallOptions = {}) {
  return new Promise<GrpcReply>((resolve) => {
    let headers: Record<string, string> = {};
    let value: unknown;
    let error: grpc.ServiceError | null = null;
    const patience = options.deadlineMs ?? DEFAULT_PATIENCE_MS;
    const deadline = Date.now() + patience;
    const start = (client as unknown as Record<Method, (...args: unknown[]) => grpc.ClientUnaryCall>)[method]!;
    const call = start.call(
      client,
      request,
      metadataOf(options.metadata),
      { deadline },
      (err: unknown, reply: unknown) => {
        error = err as grpc.ServiceError | null;
        value = reply;
      },
    );
    call.on("metadata", (metadata: grpc.Metadata) => (headers = asRecord(metadata)));
    call.on("status", (status: grpc.StatusObject) => {
      // The callback runs before 'status'; give it a turn in case it did not yet.
      setImmediate(() =>
        resolve({
          code: status.code,
          codeName: codeName(status.code),
          details:
            status.code === grpc.status.DEADLINE_EXCEEDED && options.deadlineMs === undefined
              ? silenceMessage("gRPC", method, patience)
              : (error?.details ?? status.details),
          value,
          headers,
          trailers: asRecord(status.metadata),
        }),
      );
    });
  });
}

/** A reply in a failure message: its code and details (where a stub's TODO shows) or its value. */
export function show(reply: GrpcReply): string {
  return reply.code === grpc.status.OK
    ? `OK ${JSON.stringify(reply.value)}`
    : `${reply.codeName}: ${reply.details.slice(0, 500)}`;
}

/** Fails with the reply shown unless it ended with `code`; returns the value. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function expectCode(reply: GrpcReply, code: keyof typeof grpc.status, what: string): any {
  if (reply.codeName !== code) throw new Error(`${what}: expected ${code}, got ${show(reply)}`);
  return reply.value;
}

/** Sends raw bytes as a request message, as a client with a broken encoder would. */
export function rawUnary(address: string, method: Method, bytes: Buffer, deadlineMs = 20_000): Promise<GrpcReply> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise<GrpcReply>((resolve) => {
    client.makeUnaryRequest(
      `/distlab.payment.v1.PaymentService/${method}`,
      (message: Buffer) => message,
      (message: Buffer) => message,
      bytes,
      new grpc.Metadata(),
      { deadline: Date.now() + deadlineMs },
      (error) => {
        client.close();
        const code = error?.code ?? grpc.status.OK;
        resolve({
          code,
          codeName: codeName(code),
          details: error?.details ?? "",
          value: undefined,
          headers: {},
          trailers: {},
        });
      },
    );
  });
}

export interface Transaction {
  sequence: number;
  kind: string;
  amountCents: number;
  balanceCents: number;
  operationId: string;
  at: string;
  resumeToken: string;
}

/** An open WatchTransactions stream that collects what arrives. */
export interface Watch {
  readonly items: Transaction[];
  /** The status the stream ended with, once it has. */
  readonly status: grpc.StatusObject | undefined;
  readonly call: grpc.ClientReadableStream<Transaction>;
  /** Waits until `count` transactions arrived, or the stream ended, or `timeoutMs` passed. */
  until(count: number, timeoutMs?: number): Promise<void>;
  /** Waits until the stream ends (bounded). */
  ended(timeoutMs?: number): Promise<grpc.StatusObject>;
  cancel(): void;
}

export function watch(client: grpc.Client, card: string, resumeToken = ""): Watch {
  const start = (
    client as unknown as { WatchTransactions: (...args: unknown[]) => grpc.ClientReadableStream<Transaction> }
  ).WatchTransactions;
  const call = start.call(client, { card, resumeToken });
  const items: Transaction[] = [];
  let status: grpc.StatusObject | undefined;
  call.on("data", (item: Transaction) => items.push(item));
  call.on("error", () => {});
  call.on("status", (s: grpc.StatusObject) => (status = s));
  const describe = () =>
    status ? `the stream ended with ${codeName(status.code)}: ${status.details}` : `${items.length} arrived`;
  return {
    items,
    get status() {
      return status;
    },
    call,
    async until(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (items.length < count && !status && Date.now() < deadline) await sleep(20);
      if (items.length < count) {
        throw new Error(`WatchTransactions: expected ${count} transactions within ${timeoutMs} ms; ${describe()}`);
      }
    },
    async ended(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!status && Date.now() < deadline) await sleep(20);
      if (!status) throw new Error(`WatchTransactions did not end within ${timeoutMs} ms (${items.length} arrived)`);
      return status;
    },
    cancel: () => call.cancel(),
  };
}

/** The gRPC port a service logged (`{"msg":"grpc listening","grpcPort":N}`), waiting a bounded time for it. */
export async function grpcPort(service: ServiceProcess, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const line of service.logs().split("\n")) {
      if (!line.includes('"grpc listening"')) continue;
      try {
        const port = (JSON.parse(line) as { grpcPort?: unknown }).grpcPort;
        if (typeof port === "number") return port;
      } catch {
        // a partial line: read it again on the next poll
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${service.name} never logged {"msg":"grpc listening","grpcPort":N} within ${timeoutMs} ms. ` +
          `Its output:\n${service.logs().trimEnd().split("\n").slice(-20).join("\n")}`,
      );
    }
    await sleep(20);
  }
}

export interface CallLog {
  grpc: string;
  code: string;
  details?: string;
  requestId?: string;
  idempotencyKey?: string;
  deadlineMs: number | null;
}

/** The `grpc call` lines Payment logged, optionally only those of one idempotency key or request id. */
/**
 * Payment's "grpc call" log lines that match, once at least `atLeast` of them have arrived: a line can reach
 * the test a moment after the reply it describes, so this waits for it (at most 5 s).
 */
export async function callLogs(service: ServiceProcess, match: Partial<CallLog> = {}, atLeast = 1): Promise<CallLog[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = loggedCalls(service, match);
    if (found.length >= atLeast || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function loggedCalls(service: ServiceProcess, match: Partial<CallLog>): CallLog[] {
  const found: CallLog[] = [];
  for (const line of service.logs().split("\n")) {
    if (!line.includes('"grpc call"')) continue;
    try {
      const entry = JSON.parse(line) as CallLog;
      if (Object.entries(match).every(([key, value]) => entry[key as keyof CallLog] === value)) found.push(entry);
    } catch {
      // a partial line
    }
  }
  return found;
}
