import * as grpc from "@grpc/grpc-js";
import { PAYMENT_SERVICE, PaymentService, type PaymentServiceClient, type ProtoChargeOutput } from "../grpc/proto.ts";
import { statusName } from "../grpc/status.ts";
import { chargeSchema, type Charge, type ChargeOutcome, type ChargeRequest, type PaymentPort } from "@distlab/kit/shop";
import { Unavailable } from "@distlab/lab/02-rpc/resilience.ts";
import { currentCallContext, type CallContext } from "./call-context.ts";

/**
 * PetStore's client for Payment over gRPC: the same three results as Lab 02's HTTP client, from status
 * codes instead of HTTP statuses. Retries are not written here: the channel's service config holds the
 * retry policy, and grpc-js applies it to every call. Each call carries the context of the PetStore request
 * it serves (call-context.ts): its id, and its deadline.
 */

/**
 * Step 4: the service config of the channel to Payment. Which codes are retried decides whether a retry
 * can debit twice: read the handout before adding one.
 */
export function paymentServiceConfig(): object {
  // @solution §4 "a retry policy for UNAVAILABLE only, and retry throttling"
  return {
    methodConfig: [
      {
        name: [{ service: PAYMENT_SERVICE }],
        retryPolicy: {
          maxAttempts: 5,
          initialBackoff: "0.1s",
          maxBackoff: "1s",
          backoffMultiplier: 2,
          retryableStatusCodes: ["UNAVAILABLE"],
        },
      },
    ],
    // Lab 02's retry budget, built in: retries stop when more than half the recent calls failed.
    retryThrottling: { maxTokens: 10, tokenRatio: 0.1 },
  };
  // @end
}

export class GrpcPaymentClient implements PaymentPort {
  private channel: PaymentServiceClient | undefined;

  constructor(
    /** host:port of Payment's gRPC server. */
    private readonly target: string,
    /** The longest any one call may take, even when the PetStore request has more time left. */
    private readonly callDeadlineMs: number,
  ) {}

  /** Step 3: one charge, its key and the request id in metadata, the request's deadline as its own. */
  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    // @solution §3 "call Charge with metadata and the propagated deadline; map the status codes back"
    const context = currentCallContext(this.callDeadlineMs);
    const metadata = this.metadata(context);
    metadata.set("idempotency-key", request.idempotencyKey);
    try {
      const reply = await this.call<ProtoChargeOutput>(context, (options, done) =>
        this.client.charge({ card: request.card, amountCents: request.amount }, metadata, options, done),
      );
      return { status: "succeeded", charge: fromProtoCharge(reply) };
    } catch (error) {
      const { code, details } = error as grpc.ServiceError;
      // Insufficient funds, or a card without an account: a final answer, as HTTP's 422.
      if (code === grpc.status.FAILED_PRECONDITION || code === grpc.status.NOT_FOUND) {
        return { status: "declined", detail: details };
      }
      throw unavailableOr(error, "charge");
    }
    // @end
  }

  /** Step 3: one refund (idempotent on Payment's side). */
  async refund(chargeId: string): Promise<Charge> {
    // @solution §3 "call Refund with the request id and the propagated deadline"
    const context = currentCallContext(this.callDeadlineMs);
    try {
      const reply = await this.call<ProtoChargeOutput>(context, (options, done) =>
        this.client.refund({ chargeId }, this.metadata(context), options, done),
      );
      return fromProtoCharge(reply);
    } catch (error) {
      throw unavailableOr(error, "refund");
    }
    // @end
  }

  async close(): Promise<void> {
    this.channel?.close();
  }

  /** Step 3: the deadline of a call is what is left of the PetStore request's, capped by `callDeadlineMs`. */
  private deadlineOf(context: CallContext): number {
    // @solution §3 "the call's deadline: the request's deadline, capped"
    return Math.min(context.deadline, Date.now() + this.callDeadlineMs);
    // @end
  }

  private metadata(context: CallContext): grpc.Metadata {
    const metadata = new grpc.Metadata();
    metadata.set("x-request-id", context.requestId);
    return metadata;
  }

  private call<Res>(
    context: CallContext,
    start: (options: grpc.CallOptions, done: grpc.requestCallback<Res>) => grpc.ClientUnaryCall,
  ): Promise<Res> {
    return new Promise((resolve, reject) =>
      start({ deadline: this.deadlineOf(context) }, (error, reply) => (error ? reject(error) : resolve(reply!))),
    );
  }

  /** The channel, made on first use: a PetStore whose Payment is not up yet still starts. */
  private get client(): PaymentServiceClient {
    this.channel ??= new PaymentService(this.target, grpc.credentials.createInsecure(), {
      "grpc.service_config": JSON.stringify(paymentServiceConfig()),
      // Reconnect quickly after a refused or reset connection, so that retries find the channel up again.
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 1000,
    });
    return this.channel;
  }
}

/** UNAVAILABLE and DEADLINE_EXCEEDED become `Unavailable` (503, Retry-After); anything else is a bug. */
function unavailableOr(error: unknown, what: string): Error {
  const { code, details, metadata } = error as grpc.ServiceError;
  if (code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED || code === grpc.status.CANCELLED) {
    const retries = Number(metadata?.get("grpc-previous-rpc-attempts")[0] ?? 0);
    return new Unavailable(
      `Payment is unavailable (${what}: ${statusName(code)} ${details}); nothing was lost: retry the same request later`,
      retries + 1,
      1,
      error,
    );
  }
  return new Error(`Payment refused the ${what} with ${statusName(code)}: ${details}`, { cause: error });
}

/** Payment's answer back in the shared contract's shape, checked by the same schema as over HTTP. */
function fromProtoCharge(reply: ProtoChargeOutput): Charge {
  return chargeSchema.parse({
    id: reply.id,
    card: reply.card,
    amount: reply.amountCents,
    status: reply.status.replace("CHARGE_STATUS_", "").toLowerCase().replace("_", "-"),
    ...(reply.declineReason ? { reason: reply.declineReason } : {}),
    createdAt: reply.createdAt,
  });
}
