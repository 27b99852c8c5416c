/**
 * What crosses the gateway in headers (README, step 2). Hop-by-hop headers describe one connection and
 * stop at the gateway; headers the gateway vouches for (request id, trace context, deadline, forwarding
 * information, the caller's identity) are set by the gateway alone — a client that sends its own
 * `x-user-id` must not become that user.
 */

/** Hop-by-hop headers (RFC 9110 §7.6.1), always dropped, plus any header a Connection header names. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Headers the gateway sets itself on the way to the upstream; a client's copies are dropped. */
export const GATEWAY_SET: ReadonlySet<string> = new Set([
  "host",
  "content-length",
  "x-request-id",
  "traceparent",
  "tracestate",
  "x-request-timeout-ms",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
]);

export interface ForwardContext {
  requestId: string;
  traceparent: string;
  /** The client's address, as the gateway's socket sees it. */
  clientIp: string;
  /** The Host header the client sent, if any. */
  host: string | undefined;
  /** Identity headers of every route (the claims' headers): never taken from a client. */
  identityHeaders: ReadonlySet<string>;
  /** Identity headers for this request, from its verified token. */
  identity: Record<string, string>;
}

/**
 * The headers for the upstream, as a flat [name, value, name, value, …] list (names lowercase), from the
 * client's raw headers: without hop-by-hop headers, headers named by Connection, the headers in
 * GATEWAY_SET and identity headers; then x-request-id, traceparent, x-forwarded-for (the client's list,
 * if any, followed by the client's address), x-forwarded-proto (http), x-forwarded-host (when the client
 * sent a Host) and the identity headers of this request. The deadline header is added per attempt.
 */
export function forwardedHeaders(rawHeaders: readonly string[], context: ForwardContext): string[] {
  // @solution §2 "drop hop-by-hop and gateway-owned headers, add request id, trace and forwarding headers"
  const out: string[] = [];
  let connectionNamed: Set<string> | undefined;
  let forwardedFor: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (name === "connection") {
      for (const token of rawHeaders[i + 1]!.split(","))
        (connectionNamed ??= new Set()).add(token.trim().toLowerCase());
    }
  }
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    if (name === "x-forwarded-for") forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
    if (HOP_BY_HOP.has(name) || GATEWAY_SET.has(name) || context.identityHeaders.has(name)) continue;
    if (connectionNamed?.has(name)) continue;
    out.push(name, value);
  }
  out.push("x-request-id", context.requestId, "traceparent", context.traceparent);
  out.push("x-forwarded-for", forwardedFor === undefined ? context.clientIp : `${forwardedFor}, ${context.clientIp}`);
  out.push("x-forwarded-proto", "http");
  if (context.host !== undefined) out.push("x-forwarded-host", context.host);
  for (const name in context.identity) out.push(name, context.identity[name]!);
  return out;
  // @end
}

/**
 * The headers of an upstream's answer for the client, as a flat list: without hop-by-hop headers and
 * those its Connection header names (the gateway's server frames the answer and sets its own).
 */
export function responseHeaders(headers: readonly string[]): string[] {
  let named: string[] | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === "connection") (named ??= []).push(...headers[i + 1]!.toLowerCase().split(/\s*,\s*/));
  }
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (HOP_BY_HOP.has(name) || named?.includes(name)) continue;
    out.push(name, headers[i + 1]!);
  }
  return out;
}

/**
 * The exchange's deadline in milliseconds from now: the route's timeout, or the client's
 * x-request-timeout-ms when that is shorter. A header that is not a positive integer is refused (a
 * string saying why), not ignored: the client believes it set a deadline.
 */
export function deadlineOf(routeTimeoutMs: number, header: string | string[] | undefined): number | string {
  // @solution §2 "the route's timeout, shortened by the client's own x-request-timeout-ms"
  if (header === undefined) return routeTimeoutMs;
  const asked = typeof header === "string" && /^\d{1,9}$/.test(header) ? Number(header) : NaN;
  if (!(asked >= 1)) return "x-request-timeout-ms must be a positive integer (milliseconds)";
  return Math.min(routeTimeoutMs, asked);
  // @end
}
