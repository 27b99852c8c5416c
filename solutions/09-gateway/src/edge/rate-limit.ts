import type { Clock } from "../clock.ts";
import type { BucketConfig, RateLimitConfig } from "../config/schema.ts";

/** Per-client buckets kept at most; past it, full (idle) buckets are forgotten — a full bucket is a new one. */
const MAX_CLIENT_BUCKETS = 10_000;

/**
 * A token bucket (README, step 7): it holds up to `capacity` tokens and gains `refillPerSecond` tokens a
 * second; each request takes one, and a request that finds less than one token is refused. Bursts up to
 * the capacity pass, and the sustained rate is the refill rate. Time comes from the caller (the gateway's
 * clock), so the bucket itself is a pure function of the times it is asked at.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  /** This bucket's part of the RateLimit-Policy header: its quota and the seconds to refill it from empty. */
  readonly policy: string;

  constructor(
    readonly config: BucketConfig,
    now: number,
  ) {
    this.tokens = config.capacity;
    this.updatedAt = now;
    this.policy = `q=${config.capacity};w=${Math.ceil(config.capacity / config.refillPerSecond)}`;
  }

  /** Tokens available at `now` (fractional). */
  available(now: number): number {
    // @solution §7 "refill for the time elapsed since the last update, up to capacity"
    if (now > this.updatedAt) {
      this.tokens = Math.min(
        this.config.capacity,
        this.tokens + ((now - this.updatedAt) / 1000) * this.config.refillPerSecond,
      );
      this.updatedAt = now;
    }
    return this.tokens;
    // @end
  }

  /** Takes one token; call only after available(now) >= 1. */
  take(now: number): void {
    // @solution §7 "take one token"
    this.available(now);
    this.tokens -= 1;
    // @end
  }

  /** Milliseconds from `now` until one whole token is available (0 when one is). */
  msUntilToken(now: number): number {
    const missing = 1 - this.available(now);
    return missing <= 0 ? 0 : (missing / this.config.refillPerSecond) * 1000;
  }

  /** Milliseconds from `now` until the bucket is full again. */
  msUntilFull(now: number): number {
    return ((this.config.capacity - this.available(now)) / this.config.refillPerSecond) * 1000;
  }
}

export type RateDecision =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; retryAfterSeconds: number; headers: Record<string, string>; emptyBucket: "client" | "route" };

interface NamedBucket {
  name: "client" | "route";
  bucket: TokenBucket;
}

/** The rate limits of one route: a bucket for the whole route and one per client. */
export class RateLimiter {
  private readonly routeBucket: TokenBucket | undefined;
  private readonly clientBuckets = new Map<string, TokenBucket>();

  constructor(
    readonly config: RateLimitConfig,
    private readonly clock: Clock,
  ) {
    this.routeBucket = config.perRoute && new TokenBucket(config.perRoute, clock.now());
  }

  /**
   * Admits a request from `client` or refuses it. A request is admitted only when every bucket that
   * applies has a token, and then takes one from each; a refused request takes nothing (a client that
   * is refused must not drain the route's bucket, nor its own). Either way the answer carries the
   * RateLimit-Policy and RateLimit headers; a refusal also says, in whole seconds rounded up, when to retry.
   */
  check(client: string): RateDecision {
    const now = this.clock.now();
    const buckets: NamedBucket[] = [];
    if (this.config.perClient) buckets.push({ name: "client", bucket: this.clientBucket(client, now) });
    if (this.routeBucket) buckets.push({ name: "route", bucket: this.routeBucket });
    // @solution §7 "admit only when every bucket has a token, and then take one from each"
    const empty = buckets.filter(({ bucket }) => bucket.available(now) < 1);
    if (empty.length > 0) {
      const waitMs = Math.max(...empty.map(({ bucket }) => bucket.msUntilToken(now)));
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
        headers: rateLimitHeaders(buckets, now),
        emptyBucket: empty[0]!.name,
      };
    }
    for (const { bucket } of buckets) bucket.take(now);
    return { allowed: true, headers: rateLimitHeaders(buckets, now) };
    // @end
  }

  private clientBucket(client: string, now: number): TokenBucket {
    let bucket = this.clientBuckets.get(client);
    if (!bucket) {
      if (this.clientBuckets.size >= MAX_CLIENT_BUCKETS) {
        for (const [key, idle] of this.clientBuckets) if (idle.msUntilFull(now) === 0) this.clientBuckets.delete(key);
      }
      bucket = new TokenBucket(this.config.perClient!, now);
      this.clientBuckets.set(client, bucket);
    }
    return bucket;
  }
}

/**
 * The RateLimit-Policy and RateLimit headers (draft-ietf-httpapi-ratelimit-headers): per bucket, its
 * quota `q` over a window `w` (seconds to refill it from empty), and what remains `r` with the seconds
 * `t` until it is full again, e.g. `RateLimit: "client";r=2;t=3, "route";r=95;t=1`.
 */
export function rateLimitHeaders(buckets: readonly NamedBucket[], now: number): Record<string, string> {
  let policy = "";
  let state = "";
  for (const { name, bucket } of buckets) {
    const separator = policy === "" ? "" : ", ";
    policy += `${separator}"${name}";${bucket.policy}`;
    const left = bucket.available(now);
    const untilFull = ((bucket.config.capacity - left) / bucket.config.refillPerSecond) * 1000;
    state += `${separator}"${name}";r=${Math.floor(left)};t=${Math.ceil(untilFull / 1000)}`;
  }
  return { "ratelimit-policy": policy, ratelimit: state };
}
