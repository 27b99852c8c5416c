// Generated from payment.proto by proto-loader-gen-types: do not edit, run regenerate.sh.
// Original file: payment.proto

export interface WatchTransactionsRequest {
  card?: string;
  /**
   * Empty: from the first transaction of the card. Otherwise the resume_token of the last transaction
   * received: the stream goes on right after it.
   */
  resumeToken?: string;
}

export interface WatchTransactionsRequest__Output {
  card: string;
  /**
   * Empty: from the first transaction of the card. Otherwise the resume_token of the last transaction
   * received: the stream goes on right after it.
   */
  resumeToken: string;
}
