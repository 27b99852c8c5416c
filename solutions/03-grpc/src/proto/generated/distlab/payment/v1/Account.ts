// Generated from payment.proto by proto-loader-gen-types: do not edit, run regenerate.sh.
// Original file: payment.proto

import type { Long } from "@grpc/proto-loader";

export interface Account {
  card?: string;
  balanceCents?: number | string | Long;
}

export interface Account__Output {
  card: string;
  balanceCents: number;
}
