import type { CorsConfig } from "../config/schema.ts";

/**
 * CORS at the edge (README, step 8): a browser on another origin first asks, with a preflight OPTIONS
 * request, whether it may send a request; the gateway answers for every service behind it, from the
 * route's `cors` section, without forwarding the preflight.
 */

export interface PreflightRequest {
  origin: string;
  /** Access-Control-Request-Method */
  method: string;
  /** Access-Control-Request-Headers, as sent (comma-separated), or undefined. */
  headers: string | undefined;
}

export type PreflightAnswer = { allowed: true; headers: Record<string, string> } | { allowed: false; reason: string };

/** Whether `origin` may call a route with this CORS section. */
export function originAllowed(cors: CorsConfig, origin: string): boolean {
  // @solution §8 "an origin is allowed when listed, or by '*'"
  return cors.origins.includes("*") || cors.origins.includes(origin);
  // @end
}

/**
 * The answer to a preflight: allowed when the origin, the method and every requested header are
 * allowed, with Access-Control-Allow-Origin (the origin itself, or "*" when any origin is allowed and
 * credentials are not), -Allow-Methods, -Allow-Headers, -Max-Age, -Allow-Credentials when configured, and
 * `Vary: Origin` whenever the answer depends on the origin.
 */
export function answerPreflight(cors: CorsConfig, request: PreflightRequest): PreflightAnswer {
  // @solution §8 "answer a preflight: origin, method and every requested header must be allowed"
  if (!originAllowed(cors, request.origin))
    return { allowed: false, reason: `origin ${request.origin} is not allowed` };
  const method = request.method.toUpperCase();
  if (!(cors.methods as string[]).includes(method))
    return { allowed: false, reason: `method ${method} is not allowed` };
  const asked = (request.headers ?? "")
    .split(",")
    .map((header) => header.trim().toLowerCase())
    .filter((header) => header !== "");
  const refused = asked.filter((header) => !cors.headers.includes(header));
  if (refused.length > 0)
    return { allowed: false, reason: `header${refused.length > 1 ? "s" : ""} ${refused.join(", ")} not allowed` };
  return {
    allowed: true,
    headers: {
      ...allowOriginHeaders(cors, request.origin),
      "access-control-allow-methods": cors.methods.join(", "),
      "access-control-allow-headers": cors.headers.join(", "),
      "access-control-max-age": String(cors.maxAgeSeconds),
    },
  };
  // @end
}

/**
 * The headers added to an actual (non-preflight) response for a request from `origin`: the allow-origin
 * headers when the origin is allowed (with Access-Control-Expose-Headers for the gateway's own headers a
 * script may read), nothing otherwise — the browser then keeps the response from the script.
 */
export function responseCorsHeaders(cors: CorsConfig, origin: string): Record<string, string> {
  // @solution §8 "allow-origin headers on responses to allowed origins, nothing for others"
  if (!originAllowed(cors, origin)) return {};
  return {
    ...allowOriginHeaders(cors, origin),
    "access-control-expose-headers": "x-request-id, retry-after, ratelimit, ratelimit-policy",
  };
  // @end
}

function allowOriginHeaders(cors: CorsConfig, origin: string): Record<string, string> {
  const any = cors.origins.includes("*") && !cors.credentials;
  return {
    "access-control-allow-origin": any ? "*" : origin,
    ...(any ? {} : { vary: "Origin" }),
    ...(cors.credentials ? { "access-control-allow-credentials": "true" } : {}),
  };
}
