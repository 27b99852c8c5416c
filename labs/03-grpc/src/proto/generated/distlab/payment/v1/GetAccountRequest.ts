// Generated from payment.proto by proto-loader-gen-types: do not edit, run regenerate.sh.
// Original file: payment.proto

export interface GetAccountRequest {
  card?: string;
}

export interface GetAccountRequest__Output {
  card: string;
}
