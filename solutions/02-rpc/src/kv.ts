import { KvClient } from "@distlab/kit/shop";
import { callWithRetry, RetryBudget, type RetryPolicy } from "./resilience.ts";

/**
 * Both services reach Lab 01's KV through the kit's `KvClient`, and every request it sends goes through
 * this lab's resilient call: deadlines, retries with backoff, a retry budget shared by all calls to the KV.
 */

/** Tuned for a KV on the same machine: a KV restart takes about a second, the deadline outlasts it. */
export function kvPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  return {
    maxAttempts: 12,
    attemptTimeoutMs: Number(env.KV_TIMEOUT_MS) || 2000,
    deadlineMs: Number(env.KV_DEADLINE_MS) || 8000,
    baseDelayMs: 50,
    maxDelayMs: 1000,
    budget: new RetryBudget(20, 0.2),
  };
}

/** A KV client whose requests are retried as idempotent ones (they all are: see KvClient). */
export function connectKv(url: string, policy: RetryPolicy = kvPolicyFromEnv()): KvClient {
  return new KvClient(url, (attempt) => callWithRetry(attempt, policy, { idempotent: true }));
}
