// Generated from payment.proto by proto-loader-gen-types: do not edit, run regenerate.sh.
// Original file: payment.proto

import type * as grpc from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import type {
  Account as _distlab_payment_v1_Account,
  Account__Output as _distlab_payment_v1_Account__Output,
} from "../../../distlab/payment/v1/Account.ts";
import type {
  Charge as _distlab_payment_v1_Charge,
  Charge__Output as _distlab_payment_v1_Charge__Output,
} from "../../../distlab/payment/v1/Charge.ts";
import type {
  ChargeRequest as _distlab_payment_v1_ChargeRequest,
  ChargeRequest__Output as _distlab_payment_v1_ChargeRequest__Output,
} from "../../../distlab/payment/v1/ChargeRequest.ts";
import type {
  GetAccountRequest as _distlab_payment_v1_GetAccountRequest,
  GetAccountRequest__Output as _distlab_payment_v1_GetAccountRequest__Output,
} from "../../../distlab/payment/v1/GetAccountRequest.ts";
import type {
  RefundRequest as _distlab_payment_v1_RefundRequest,
  RefundRequest__Output as _distlab_payment_v1_RefundRequest__Output,
} from "../../../distlab/payment/v1/RefundRequest.ts";
import type {
  Transaction as _distlab_payment_v1_Transaction,
  Transaction__Output as _distlab_payment_v1_Transaction__Output,
} from "../../../distlab/payment/v1/Transaction.ts";
import type {
  WatchTransactionsRequest as _distlab_payment_v1_WatchTransactionsRequest,
  WatchTransactionsRequest__Output as _distlab_payment_v1_WatchTransactionsRequest__Output,
} from "../../../distlab/payment/v1/WatchTransactionsRequest.ts";

export interface PaymentServiceClient extends grpc.Client {
  /**
   * Debits a card, once per idempotency key. Metadata: "idempotency-key" (required, 8 to 128 characters
   * of A-Z a-z 0-9 . _ ~ : -) and "x-request-id" (optional). A repeated key answers the first result
   * with the initial metadata "idempotent-replayed: true".
   * Codes: INVALID_ARGUMENT (bad card, amount or key), NOT_FOUND (no account for the card),
   * FAILED_PRECONDITION (declined: insufficient funds), ALREADY_EXISTS (the key was used for another
   * charge), UNAVAILABLE (try again, with the same key).
   */
  Charge(
    argument: _distlab_payment_v1_ChargeRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_distlab_payment_v1_Charge__Output>,
  ): grpc.ClientUnaryCall;
  Charge(
    argument: _distlab_payment_v1_ChargeRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_distlab_payment_v1_Charge__Output>,
  ): grpc.ClientUnaryCall;
  Charge(
    argument: _distlab_payment_v1_ChargeRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_distlab_payment_v1_Charge__Output>,
  ): grpc.ClientUnaryCall;
  Charge(
    argument: _distlab_payment_v1_ChargeRequest,
    callback: grpc.requestCallback<_distlab_payment_v1_Charge__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Debits a card, once per idempotency key. Metadata: "idempotency-key" (required, 8 to 128 characters
   * of A-Z a-z 0-9 . _ ~ : -) and "x-request-id" (optional). A repeated key answers the first result
   * with the initial metadata "idempotent-replayed: true".
   * Codes: INVALID_ARGUMENT (bad card, amount or key), NOT_FOUND (no account for the card),
   * FAILED_PRECONDITION (declined: insufficient funds), ALREADY_EXISTS (the key was used for another
   * charge), UNAVAILABLE (try again, with the same key).
   */
  charge(
    argument: _distlab_payment_v1_ChargeRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_distlab_payment_v1_Charge__Output>,
  ): grpc.ClientUnaryCall;
  charge(
    argument: _distlab_payment_v1_ChargeRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_distlab_payment_v1_Charge__Output>,
  ): grpc.ClientUnaryCall;
  charge(
    argument: _distlab_payment_v1_ChargeRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_distlab_payment_v1_Charge__Output>,
  ): grpc.ClientUnaryCall;
  charge(
    argument: _distlab_payment_v1_ChargeRequest,
    callback: grpc.requestCallback<_distlab_payment_v1_Charge__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * An account's balance. Metadata: "authorization: Bearer <admin token>".
   * Codes: INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND.
   */
  GetAccount(
    argument: _distlab_payment_v1_GetAccountRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_distlab_payment_v1_Account__Output>,
  ): grpc.ClientUnaryCall;
  GetAccount(
    argument: _distlab_payment_v1_GetAccountRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_distlab_payment_v1_Account__Output>,
  ): grpc.ClientUnaryCall;
  GetAccount(
    argument: _distlab_payment_v1_GetAccountRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_distlab_payment_v1_Account__Output>,
  ): grpc.ClientUnaryCall;
  GetAccount(
    argument: _distlab_payment_v1_GetAccountRequest,
    callback: grpc.requestCallback<_distlab_payment_v1_Account__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * An account's balance. Metadata: "authorization: Bearer <admin token>".
   * Codes: INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND.
   */
  getAccount(
    argument: _distlab_payment_v1_GetAccountRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_distlab_payment_v1_Account__Output>,
  ): grpc.ClientUnaryCall;
  getAccount(
    argument: _distlab_payment_v1_GetAccountRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_distlab_payment_v1_Account__Output>,
  ): grpc.ClientUnaryCall;
  getAccount(
    argument: _distlab_payment_v1_GetAccountRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_distlab_payment_v1_Account__Output>,
  ): grpc.ClientUnaryCall;
  getAccount(
    argument: _distlab_payment_v1_GetAccountRequest,
    callback: grpc.requestCallback<_distlab_payment_v1_Account__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Gives a succeeded charge's money back, once; asking again answers the refunded charge.
   * Codes: INVALID_ARGUMENT, NOT_FOUND (no such charge), FAILED_PRECONDITION (the charge was declined).
   */
  Refund(
    argument: _distlab_payment_v1_RefundRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_distlab_payment_v1_Charge__Output>,
  ): grpc.ClientUnaryCall;
  Refund(
    argument: _distlab_payment_v1_RefundRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_distlab_payment_v1_Charge__Output>,
  ): grpc.ClientUnaryCall;
  Refund(
    argument: _distlab_payment_v1_RefundRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_distlab_payment_v1_Charge__Output>,
  ): grpc.ClientUnaryCall;
  Refund(
    argument: _distlab_payment_v1_RefundRequest,
    callback: grpc.requestCallback<_distlab_payment_v1_Charge__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Gives a succeeded charge's money back, once; asking again answers the refunded charge.
   * Codes: INVALID_ARGUMENT, NOT_FOUND (no such charge), FAILED_PRECONDITION (the charge was declined).
   */
  refund(
    argument: _distlab_payment_v1_RefundRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_distlab_payment_v1_Charge__Output>,
  ): grpc.ClientUnaryCall;
  refund(
    argument: _distlab_payment_v1_RefundRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_distlab_payment_v1_Charge__Output>,
  ): grpc.ClientUnaryCall;
  refund(
    argument: _distlab_payment_v1_RefundRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_distlab_payment_v1_Charge__Output>,
  ): grpc.ClientUnaryCall;
  refund(
    argument: _distlab_payment_v1_RefundRequest,
    callback: grpc.requestCallback<_distlab_payment_v1_Charge__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Every money movement of a card, oldest first, then new ones as they happen; the stream does not end
   * by itself. Each transaction carries a resume token: a new call with the last token received goes on
   * with the next transaction, none skipped and none repeated.
   * Codes: INVALID_ARGUMENT (bad card, or a resume token this service did not give out), NOT_FOUND.
   */
  WatchTransactions(
    argument: _distlab_payment_v1_WatchTransactionsRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_distlab_payment_v1_Transaction__Output>;
  WatchTransactions(
    argument: _distlab_payment_v1_WatchTransactionsRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_distlab_payment_v1_Transaction__Output>;
  /**
   * Every money movement of a card, oldest first, then new ones as they happen; the stream does not end
   * by itself. Each transaction carries a resume token: a new call with the last token received goes on
   * with the next transaction, none skipped and none repeated.
   * Codes: INVALID_ARGUMENT (bad card, or a resume token this service did not give out), NOT_FOUND.
   */
  watchTransactions(
    argument: _distlab_payment_v1_WatchTransactionsRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_distlab_payment_v1_Transaction__Output>;
  watchTransactions(
    argument: _distlab_payment_v1_WatchTransactionsRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_distlab_payment_v1_Transaction__Output>;
}

export interface PaymentServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Debits a card, once per idempotency key. Metadata: "idempotency-key" (required, 8 to 128 characters
   * of A-Z a-z 0-9 . _ ~ : -) and "x-request-id" (optional). A repeated key answers the first result
   * with the initial metadata "idempotent-replayed: true".
   * Codes: INVALID_ARGUMENT (bad card, amount or key), NOT_FOUND (no account for the card),
   * FAILED_PRECONDITION (declined: insufficient funds), ALREADY_EXISTS (the key was used for another
   * charge), UNAVAILABLE (try again, with the same key).
   */
  Charge: grpc.handleUnaryCall<_distlab_payment_v1_ChargeRequest__Output, _distlab_payment_v1_Charge>;

  /**
   * An account's balance. Metadata: "authorization: Bearer <admin token>".
   * Codes: INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND.
   */
  GetAccount: grpc.handleUnaryCall<_distlab_payment_v1_GetAccountRequest__Output, _distlab_payment_v1_Account>;

  /**
   * Gives a succeeded charge's money back, once; asking again answers the refunded charge.
   * Codes: INVALID_ARGUMENT, NOT_FOUND (no such charge), FAILED_PRECONDITION (the charge was declined).
   */
  Refund: grpc.handleUnaryCall<_distlab_payment_v1_RefundRequest__Output, _distlab_payment_v1_Charge>;

  /**
   * Every money movement of a card, oldest first, then new ones as they happen; the stream does not end
   * by itself. Each transaction carries a resume token: a new call with the last token received goes on
   * with the next transaction, none skipped and none repeated.
   * Codes: INVALID_ARGUMENT (bad card, or a resume token this service did not give out), NOT_FOUND.
   */
  WatchTransactions: grpc.handleServerStreamingCall<
    _distlab_payment_v1_WatchTransactionsRequest__Output,
    _distlab_payment_v1_Transaction
  >;
}

export interface PaymentServiceDefinition extends grpc.ServiceDefinition {
  Charge: MethodDefinition<
    _distlab_payment_v1_ChargeRequest,
    _distlab_payment_v1_Charge,
    _distlab_payment_v1_ChargeRequest__Output,
    _distlab_payment_v1_Charge__Output
  >;
  GetAccount: MethodDefinition<
    _distlab_payment_v1_GetAccountRequest,
    _distlab_payment_v1_Account,
    _distlab_payment_v1_GetAccountRequest__Output,
    _distlab_payment_v1_Account__Output
  >;
  Refund: MethodDefinition<
    _distlab_payment_v1_RefundRequest,
    _distlab_payment_v1_Charge,
    _distlab_payment_v1_RefundRequest__Output,
    _distlab_payment_v1_Charge__Output
  >;
  WatchTransactions: MethodDefinition<
    _distlab_payment_v1_WatchTransactionsRequest,
    _distlab_payment_v1_Transaction,
    _distlab_payment_v1_WatchTransactionsRequest__Output,
    _distlab_payment_v1_Transaction__Output
  >;
}
