import { randomFillSync, randomUUID } from "node:crypto";
import { todo } from "@distlab/kit/service";

/**
 * Request ids (README, step 2): every request leaves the gateway with an `x-request-id` and a W3C
 * `traceparent`, so one client request can be followed through the gateway's access log and every
 * service behind it. The gateway keeps what a client sent when it is well-formed and makes up the rest.
 */

const REQUEST_ID = /^[A-Za-z0-9._~:-]{1,128}$/;

/**
 * Random bytes are drawn from the system 4 KiB at a time — one system call for hundreds of ids — and
 * turned into hex once per draw: an id is then a slice of that text.
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let hex = "";
let used = POOL_BYTES;

/** `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  if (used + bytes > POOL_BYTES) {
    randomFillSync(pool);
    hex = pool.toString("hex");
    used = 0;
  }
  used += bytes;
  return hex.slice(2 * (used - bytes), 2 * used);
}
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/** The client's x-request-id when it is 1–128 characters of A-Z a-z 0-9 . _ ~ : -, else a fresh UUID. */
export function requestIdOf(header: string | string[] | undefined): string {
  return todo("TODO(lab09 §2): keep a well-formed x-request-id, generate one otherwise — see labs/09-gateway/README.md, step 2");
}

export interface TraceContext {
  traceId: string;
  /** The gateway's own span: the parent-id it sends upstream. */
  spanId: string;
  flags: string;
  /** The traceparent to send upstream. */
  traceparent: string;
}

/**
 * The trace context for the upstream: the client's trace id and flags when its traceparent is valid
 * (version 00, lowercase hex, trace id and parent id not all zeros), a new trace otherwise (sampled,
 * flags 01); either way a new parent id, because the gateway is a hop of its own in the trace.
 */
export function traceContextOf(header: string | string[] | undefined): TraceContext {
  return todo("TODO(lab09 §2): continue a valid traceparent with a new parent id, or start a new trace — see labs/09-gateway/README.md, step 2");
}
