import * as grpc from "@grpc/grpc-js";
import { HttpProblem, TodoError } from "@distlab/kit/service";
import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";
import {
  isMalformed,
  paymentServiceDefinition,
  type ProtoAccount,
  type ProtoCharge,
  type ProtoChargeRequest,
  type ProtoGetAccountRequest,
  type ProtoRefundRequest,
  type ProtoTransaction,
  type ProtoWatchRequest,
} from "../grpc/proto.ts";
import { GrpcStatusError, metadataText, parseOrInvalid, statusName } from "../grpc/status.ts";
import {
  adminGuard,
  cardParams,
  chargeBody,
  chargeParams,
  KEY_REUSED_TYPE,
  maskCard,
  UNKNOWN_CARD_TYPE,
  type Charge,
  type KvClient,
} from "@distlab/kit/shop";
import { charge, refund } from "@distlab/lab/02-rpc/payment/charges.ts";
import { readAccount, type StoredCharge } from "@distlab/lab/02-rpc/payment/ledger.ts";
import { watchTransactions, type WatchOptions } from "./watch.ts";

/**
 * Payment's gRPC face, beside its HTTP one and on the same domain code (Lab 02's charges.ts, ledger.ts): the
 * handlers only translate between the proto and the domain, and between the domain's outcomes and
 * gRPC status codes.
 */

export interface PaymentGrpcDeps {
  kv: KvClient;
  adminToken: string | undefined;
  logger: Logger;
  /** The HTTP service's Prometheus registry: gRPC counters show on the same /metrics. */
  metrics: Registry;
  watch: WatchOptions;
}

export interface Status {
  code: grpc.status;
  details: string;
  metadata?: grpc.Metadata;
}

/** Step 1: Charge. Validates, charges once per key, and answers the charge or the status that says why not. */
export async function handleCharge(
  deps: PaymentGrpcDeps,
  call: grpc.ServerUnaryCall<ProtoChargeRequest, ProtoCharge>,
): Promise<ProtoCharge> {
  // @solution §1 "validate the request and its idempotency key, charge, answer the charge or FAILED_PRECONDITION"
  const idempotencyKey = metadataText(call.metadata, "idempotency-key");
  if (idempotencyKey === undefined) {
    throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, "metadata idempotency-key: required on every charge");
  }
  const request = parseOrInvalid(
    chargeBody,
    { card: call.request.card, amount: call.request.amountCents, idempotencyKey },
    { amount: "amount_cents", idempotencyKey: "metadata idempotency-key" },
  );
  const { charge: result, replayed } = await charge(deps.kv, request);
  if (replayed) {
    const headers = new grpc.Metadata();
    headers.set("idempotent-replayed", "true");
    call.sendMetadata(headers);
  }
  if (result.status === "declined") {
    const trailers = new grpc.Metadata();
    trailers.set("charge-id", result.id);
    throw new GrpcStatusError(
      grpc.status.FAILED_PRECONDITION,
      `charge declined: ${result.reason ?? "declined"}`,
      trailers,
    );
  }
  return toProtoCharge(result);
  // @end
}

/** Step 1: Refund. */
export async function handleRefund(
  deps: PaymentGrpcDeps,
  call: grpc.ServerUnaryCall<ProtoRefundRequest, ProtoCharge>,
): Promise<ProtoCharge> {
  // @solution §1 "validate the charge id, refund once, answer the refunded charge"
  const { id } = parseOrInvalid(chargeParams, { id: call.request.chargeId }, { id: "charge_id" });
  return toProtoCharge(await refund(deps.kv, id));
  // @end
}

/** Step 1: GetAccount, for admins only (the same guard as the HTTP route). */
export async function handleGetAccount(
  deps: PaymentGrpcDeps,
  call: grpc.ServerUnaryCall<ProtoGetAccountRequest, ProtoAccount>,
): Promise<ProtoAccount> {
  // @solution §1 "check the admin token, validate the card, answer the account or NOT_FOUND"
  adminGuard(deps.adminToken)({ authorization: metadataText(call.metadata, "authorization") });
  const { card } = parseOrInvalid(cardParams, { card: call.request.card });
  const account = await readAccount(deps.kv, card);
  if (!account) throw new GrpcStatusError(grpc.status.NOT_FOUND, "no account for this card");
  return { card: account.value.card, balanceCents: account.value.balance };
  // @end
}

/**
 * Step 1: the status a failed call answers. The domain code speaks HTTP problems (it serves the HTTP API
 * too); each one has the gRPC code that means the same thing to a client, and above all the same thing to
 * its retry policy: only UNAVAILABLE says "try again".
 */
export function grpcStatusOf(error: unknown): Status {
  // @solution §1 "map each domain outcome to the gRPC status code that means the same"
  if (error instanceof GrpcStatusError) {
    return { code: error.code, details: error.message, ...(error.metadata ? { metadata: error.metadata } : {}) };
  }
  if (error instanceof HttpProblem) {
    const code = (() => {
      switch (error.status) {
        case 400:
          return grpc.status.INVALID_ARGUMENT;
        case 401:
          return grpc.status.UNAUTHENTICATED;
        case 403:
          return grpc.status.PERMISSION_DENIED;
        case 404:
          return grpc.status.NOT_FOUND;
        case 409:
          return grpc.status.FAILED_PRECONDITION;
        case 422:
          if (error.type === UNKNOWN_CARD_TYPE) return grpc.status.NOT_FOUND;
          if (error.type === KEY_REUSED_TYPE) return grpc.status.ALREADY_EXISTS;
          return grpc.status.INVALID_ARGUMENT;
        case 503:
          return grpc.status.UNAVAILABLE;
        default:
          return undefined;
      }
    })();
    if (code !== undefined) return { code, details: error.message };
  }
  return { code: grpc.status.INTERNAL, details: "internal error" };
  // @end
}

/**
 * Step 5: stops the server. `tryShutdown` refuses new calls and waits for the running ones; a stream that
 * never ends (a watcher) would make it wait forever, so after `graceMs` `forceShutdown` cancels what is
 * left. Resolves with how it ended.
 */
export function shutdownGracefully(server: grpc.Server, graceMs: number): Promise<"graceful" | "forced"> {
  // @solution §5 "tryShutdown, then forceShutdown once the grace period is over"
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve("forced");
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve("graceful");
    });
  });
  // @end
}

export function toProtoCharge(charge: StoredCharge | Charge): ProtoCharge {
  return {
    id: charge.id,
    card: charge.card.startsWith("****") ? charge.card : maskCard(charge.card),
    amountCents: charge.amount,
    status: `CHARGE_STATUS_${charge.status.toUpperCase().replace("-", "_")}` as ProtoCharge["status"],
    declineReason: charge.reason ?? "",
    createdAt: charge.createdAt,
  };
}

/** Binds the gRPC server on host:port (0 picks a free port) and returns it with the port it got. */
export async function startPaymentGrpc(
  deps: PaymentGrpcDeps,
  address: { host: string; port: number },
): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  const calls = new Counter({
    name: "grpc_server_handled_total",
    help: "gRPC calls answered, by method and status code.",
    labelNames: ["method", "code"],
    registers: [deps.metrics],
  });
  const watchers = new Set<grpc.ServerWritableStream<ProtoWatchRequest, ProtoTransaction>>();
  new Gauge({
    name: "payment_watch_streams",
    help: "WatchTransactions streams open now.",
    registers: [deps.metrics],
    collect() {
      this.set(watchers.size);
    },
  });
  new Gauge({
    name: "payment_watch_buffered_messages",
    help: "Transactions written to watch streams and not yet taken by HTTP/2: the memory slow clients cost.",
    registers: [deps.metrics],
    collect() {
      this.set([...watchers].reduce((sum, call) => sum + call.writableLength, 0));
    },
  });
  const log = (
    method: string,
    call: Pick<grpc.ServerUnaryCall<unknown, unknown>, "metadata" | "getDeadline">,
    status: Status,
    started: number,
  ) => {
    calls.inc({ method, code: statusName(status.code) });
    const deadline = Number(call.getDeadline());
    deps.logger.info(
      {
        grpc: method,
        code: statusName(status.code),
        ...(status.code === grpc.status.OK ? {} : { details: status.details }),
        requestId: metadataText(call.metadata, "x-request-id"),
        idempotencyKey: metadataText(call.metadata, "idempotency-key"),
        deadlineMs: Number.isFinite(deadline) ? Math.round(deadline - started) : null,
        ms: Math.round(Date.now() - started),
      },
      "grpc call",
    );
  };
  const fail = (error: unknown): Status => {
    const status = statusOrTodo(error);
    if (status.code === grpc.status.INTERNAL) deps.logger.error({ err: error }, "gRPC handler failed");
    return status;
  };

  function unary<Req, Res>(method: string, handle: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>) {
    return (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
      const started = Date.now();
      const reply = isMalformed(call.request)
        ? Promise.reject(malformed(method, call.request.malformed))
        : Promise.resolve().then(() => handle(call));
      reply.then(
        (value) => {
          log(method, call, { code: grpc.status.OK, details: "OK" }, started);
          callback(null, value);
        },
        (error: unknown) => {
          const status = fail(error);
          log(method, call, status, started);
          callback({
            code: status.code,
            details: status.details,
            ...(status.metadata && { metadata: status.metadata }),
          });
        },
      );
    };
  }

  function serverStream<Req, Res>(
    method: string,
    handle: (call: grpc.ServerWritableStream<Req, Res>) => Promise<void>,
  ) {
    return (call: grpc.ServerWritableStream<Req, Res>) => {
      const started = Date.now();
      const watcher = call as unknown as grpc.ServerWritableStream<ProtoWatchRequest, ProtoTransaction>;
      watchers.add(watcher);
      call.once("close", () => watchers.delete(watcher));
      const done = isMalformed(call.request)
        ? Promise.reject(malformed(method, call.request.malformed))
        : Promise.resolve().then(() => handle(call));
      done.then(
        () => {
          if (!call.cancelled) call.end();
        },
        (error: unknown) => {
          const status = fail(error);
          log(method, call, status, started);
          if (!call.cancelled) call.emit("error", status);
        },
      );
    };
  }

  server.addService(paymentServiceDefinition(), {
    Charge: unary("Charge", (call: grpc.ServerUnaryCall<ProtoChargeRequest, ProtoCharge>) => handleCharge(deps, call)),
    Refund: unary("Refund", (call: grpc.ServerUnaryCall<ProtoRefundRequest, ProtoCharge>) => handleRefund(deps, call)),
    GetAccount: unary("GetAccount", (call: grpc.ServerUnaryCall<ProtoGetAccountRequest, ProtoAccount>) =>
      handleGetAccount(deps, call),
    ),
    WatchTransactions: serverStream(
      "WatchTransactions",
      (call: grpc.ServerWritableStream<ProtoWatchRequest, ProtoTransaction>) =>
        watchTransactions(deps.kv, call, deps.watch),
    ),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${address.host}:${address.port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { server, port };
}

function malformed(method: string, why: string): GrpcStatusError {
  return new GrpcStatusError(grpc.status.INVALID_ARGUMENT, `the ${method} request is not a valid message: ${why}`);
}

/** A stub's TODO answers UNIMPLEMENTED with its message, so a failing test names the step to do. */
function statusOrTodo(error: unknown): Status {
  if (error instanceof TodoError) return { code: grpc.status.UNIMPLEMENTED, details: error.message };
  try {
    return grpcStatusOf(error);
  } catch (mappingError) {
    if (mappingError instanceof TodoError) {
      return { code: grpc.status.UNIMPLEMENTED, details: mappingError.message };
    }
    throw mappingError;
  }
}
