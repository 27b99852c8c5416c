/* eslint-disable @typescript-eslint/no-explicit-any */
// Generated from payment.proto by proto-loader-gen-types: do not edit, run regenerate.sh.
import type * as grpc from "@grpc/grpc-js";
import type { EnumTypeDefinition, MessageTypeDefinition } from "@grpc/proto-loader";

import type {
  Account as _distlab_payment_v1_Account,
  Account__Output as _distlab_payment_v1_Account__Output,
} from "./distlab/payment/v1/Account.ts";
import type {
  Charge as _distlab_payment_v1_Charge,
  Charge__Output as _distlab_payment_v1_Charge__Output,
} from "./distlab/payment/v1/Charge.ts";
import type {
  ChargeRequest as _distlab_payment_v1_ChargeRequest,
  ChargeRequest__Output as _distlab_payment_v1_ChargeRequest__Output,
} from "./distlab/payment/v1/ChargeRequest.ts";
import type {
  GetAccountRequest as _distlab_payment_v1_GetAccountRequest,
  GetAccountRequest__Output as _distlab_payment_v1_GetAccountRequest__Output,
} from "./distlab/payment/v1/GetAccountRequest.ts";
import type {
  PaymentServiceClient as _distlab_payment_v1_PaymentServiceClient,
  PaymentServiceDefinition as _distlab_payment_v1_PaymentServiceDefinition,
} from "./distlab/payment/v1/PaymentService.ts";
import type {
  RefundRequest as _distlab_payment_v1_RefundRequest,
  RefundRequest__Output as _distlab_payment_v1_RefundRequest__Output,
} from "./distlab/payment/v1/RefundRequest.ts";
import type {
  Transaction as _distlab_payment_v1_Transaction,
  Transaction__Output as _distlab_payment_v1_Transaction__Output,
} from "./distlab/payment/v1/Transaction.ts";
import type {
  WatchTransactionsRequest as _distlab_payment_v1_WatchTransactionsRequest,
  WatchTransactionsRequest__Output as _distlab_payment_v1_WatchTransactionsRequest__Output,
} from "./distlab/payment/v1/WatchTransactionsRequest.ts";

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  distlab: {
    payment: {
      v1: {
        Account: MessageTypeDefinition<_distlab_payment_v1_Account, _distlab_payment_v1_Account__Output>;
        Charge: MessageTypeDefinition<_distlab_payment_v1_Charge, _distlab_payment_v1_Charge__Output>;
        ChargeRequest: MessageTypeDefinition<
          _distlab_payment_v1_ChargeRequest,
          _distlab_payment_v1_ChargeRequest__Output
        >;
        ChargeStatus: EnumTypeDefinition;
        GetAccountRequest: MessageTypeDefinition<
          _distlab_payment_v1_GetAccountRequest,
          _distlab_payment_v1_GetAccountRequest__Output
        >;
        PaymentService: SubtypeConstructor<typeof grpc.Client, _distlab_payment_v1_PaymentServiceClient> & {
          service: _distlab_payment_v1_PaymentServiceDefinition;
        };
        RefundRequest: MessageTypeDefinition<
          _distlab_payment_v1_RefundRequest,
          _distlab_payment_v1_RefundRequest__Output
        >;
        Transaction: MessageTypeDefinition<_distlab_payment_v1_Transaction, _distlab_payment_v1_Transaction__Output>;
        TransactionKind: EnumTypeDefinition;
        WatchTransactionsRequest: MessageTypeDefinition<
          _distlab_payment_v1_WatchTransactionsRequest,
          _distlab_payment_v1_WatchTransactionsRequest__Output
        >;
      };
    };
  };
}
