import * as grpc from "@grpc/grpc-js";
import { loadSync, type Options } from "@grpc/proto-loader";
import { fileURLToPath } from "node:url";
import type { ProtoGrpcType } from "../proto/generated/payment.ts";

/**
 * payment.proto, loaded at run time by proto-loader, typed by the interfaces proto-loader-gen-types
 * generated from the same file (src/proto/generated/, see regenerate.sh). The loader options below and the
 * generator's flags must agree: int64 as number, enums as their names, absent fields as their defaults.
 */

export type { Account__Output as ProtoAccount } from "../proto/generated/distlab/payment/v1/Account.ts";
export type {
  Charge as ProtoCharge,
  Charge__Output as ProtoChargeOutput,
} from "../proto/generated/distlab/payment/v1/Charge.ts";
export type { ChargeRequest__Output as ProtoChargeRequest } from "../proto/generated/distlab/payment/v1/ChargeRequest.ts";
export type { ChargeStatus__Output as ProtoChargeStatus } from "../proto/generated/distlab/payment/v1/ChargeStatus.ts";
export type { GetAccountRequest__Output as ProtoGetAccountRequest } from "../proto/generated/distlab/payment/v1/GetAccountRequest.ts";
export type { RefundRequest__Output as ProtoRefundRequest } from "../proto/generated/distlab/payment/v1/RefundRequest.ts";
export type { Transaction as ProtoTransaction } from "../proto/generated/distlab/payment/v1/Transaction.ts";
export type { WatchTransactionsRequest__Output as ProtoWatchRequest } from "../proto/generated/distlab/payment/v1/WatchTransactionsRequest.ts";
export type {
  PaymentServiceClient,
  PaymentServiceHandlers,
} from "../proto/generated/distlab/payment/v1/PaymentService.ts";

export const PROTO_FILE = fileURLToPath(new URL("../proto/payment.proto", import.meta.url));

export const LOADER_OPTIONS: Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

/** The fully qualified service name, as the service config's retry policy names it. */
export const PAYMENT_SERVICE = "distlab.payment.v1.PaymentService";

const loaded = grpc.loadPackageDefinition(loadSync(PROTO_FILE, LOADER_OPTIONS)) as unknown as ProtoGrpcType;

/** The client class: `new PaymentServiceClient(address, credentials, channelOptions)`. */
export const PaymentService = loaded.distlab.payment.v1.PaymentService;

/**
 * What a request that protobuf could not decode becomes. grpc-js answers such a request INTERNAL by
 * itself, as if the server were broken; the handlers see this marker instead and answer INVALID_ARGUMENT.
 */
export interface MalformedRequest {
  malformed: string;
}

export function isMalformed(request: unknown): request is MalformedRequest {
  return typeof request === "object" && request !== null && Object.hasOwn(request, MALFORMED);
}

const MALFORMED = Symbol("malformed");

/** The service definition for `server.addService`, with request decoding that never throws. */
export function paymentServiceDefinition(): grpc.ServiceDefinition {
  return Object.fromEntries(
    Object.entries(PaymentService.service).map(([name, method]) => [
      name,
      {
        ...method,
        requestDeserialize: (bytes: Buffer): unknown => {
          try {
            return method.requestDeserialize(bytes);
          } catch (error) {
            return { [MALFORMED]: true, malformed: (error as Error).message };
          }
        },
      },
    ]),
  );
}
