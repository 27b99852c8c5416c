import type { IncomingRequest } from "@distlab/kit/http-engine";
import type { RateLimitConfig } from "../config/schema.ts";
import { authenticate } from "../edge/jwt.ts";
import { responseCorsHeaders } from "../edge/cors.ts";
import type { GatewayRuntime } from "../runtime.ts";
import type { CompiledRoute } from "../routing/table.ts";

/**
 * Everything the gateway decides before it sends a request anywhere, in order: CORS headers for the
 * answer, authentication, rate limits, the request body. Each step can refuse the request with a problem.
 */

export interface Refusal {
  status: number;
  detail: string;
  headers: Record<string, string>;
  /** Which rate-limit bucket refused, for the metrics. */
  limitedBy?: string;
}

export interface Admitted {
  /** Headers for the client's answer (CORS, RateLimit), as a flat list. */
  answerHeaders: string[];
  /** Identity headers for the upstream, from the verified token. */
  identity: Record<string, string>;
}

const NO_IDENTITY: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * Admits a request or refuses it. Synchronous unless the route has `auth` (verifying a token is
 * asynchronous): the common request costs no promise here.
 */
export function admit(
  request: IncomingRequest,
  route: CompiledRoute,
  runtime: GatewayRuntime,
  clientIp: string,
): Admitted | Refusal | Promise<Admitted | Refusal> {
  const origin = request.header("origin");
  const cors = route.config.cors && origin !== undefined ? responseCorsHeaders(route.config.cors, origin) : undefined;
  if (!route.config.auth) return limit(request, route, runtime, clientIp, cors, NO_IDENTITY, undefined);
  return authenticate(request.header("authorization"), runtime.verifier!, route.config.auth).then((outcome) => {
    if (!outcome.ok) {
      return {
        status: outcome.status,
        detail: outcome.detail,
        headers: { ...cors, "www-authenticate": outcome.wwwAuthenticate },
      };
    }
    const subject = typeof outcome.claims.sub === "string" ? outcome.claims.sub : undefined;
    return limit(request, route, runtime, clientIp, cors, outcome.headers, subject);
  });
}

/** The rate limits, last: a request refused earlier spends no token. */
function limit(
  request: IncomingRequest,
  route: CompiledRoute,
  runtime: GatewayRuntime,
  clientIp: string,
  cors: Record<string, string> | undefined,
  identity: Record<string, string>,
  subject: string | undefined,
): Admitted | Refusal {
  const answerHeaders: string[] = [];
  for (const name in cors) answerHeaders.push(name, cors[name]!);
  const limiter = runtime.limiters.get(route.id);
  if (limiter) {
    const decision = limiter.check(clientKey(limiter.config, request, clientIp, subject));
    if (!decision.allowed) {
      return {
        status: 429,
        detail: `rate limit of route '${route.id}' reached; retry in ${decision.retryAfterSeconds} s`,
        headers: { ...cors, ...decision.headers, "retry-after": String(decision.retryAfterSeconds) },
        limitedBy: decision.emptyBucket,
      };
    }
    for (const name in decision.headers) answerHeaders.push(name, decision.headers[name]!);
  }
  return { answerHeaders, identity };
}

/** Who a client is for its rate-limit bucket: its address, its token's subject, or a header's value. */
function clientKey(
  config: RateLimitConfig,
  request: IncomingRequest,
  clientIp: string,
  subject: string | undefined,
): string {
  if (config.clientKey === "ip") return `ip:${clientIp}`;
  if (config.clientKey === "subject") return subject === undefined ? `ip:${clientIp}` : `sub:${subject}`;
  const value = request.header(config.clientKey.header);
  return value !== undefined && value !== "" ? `key:${value}` : `ip:${clientIp}`;
}

/** Whether a request carries a body (a GET's is ignored: nothing would read it upstream). */
export function hasBody(request: IncomingRequest): boolean {
  return request.method !== "GET" && request.hasBody;
}
