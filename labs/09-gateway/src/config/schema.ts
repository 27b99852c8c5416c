import { z } from "zod";

/**
 * The routes file: what the gateway listens for (routes) and where it sends it (upstreams). One zod schema
 * is the validation, the TypeScript types and the documentation of every field (README, step 1).
 */

const milliseconds = z.number().int().positive();
const name = z.string().regex(/^[a-z][a-z0-9-]*$/, "lowercase letters, digits and '-', starting with a letter");
const headerName = z
  .string()
  .regex(/^[a-z0-9-]+$/, "a lowercase header name")
  .refine((header) => !["host", "connection", "content-length"].includes(header), "a header the gateway controls");
const method = z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

const healthCheckSchema = z.strictObject({
  /** Path probed with GET on every instance; 2xx is healthy. */
  path: z.string().startsWith("/").default("/health"),
  intervalMs: milliseconds.default(2_000),
  timeoutMs: milliseconds.default(1_000),
  /** Consecutive failed probes before an instance leaves the rotation. */
  unhealthyThreshold: z.number().int().min(1).default(2),
  /** Consecutive good probes before it comes back. */
  healthyThreshold: z.number().int().min(1).default(1),
});

const outlierSchema = z.strictObject({
  /** Consecutive failed requests (connection errors, 502, 503, 504) that eject an instance. */
  consecutiveFailures: z.number().int().min(1).default(5),
  /** The first ejection lasts this long; each further ejection of the same instance one more time as long. */
  baseEjectionMs: milliseconds.default(30_000),
  /** Never eject more than this share of an upstream's instances (at least one always stays). */
  maxEjectionPercent: z.number().int().min(0).max(100).default(50),
});

const breakerSchema = z.strictObject({
  /** Consecutive failed requests that open the breaker. */
  failureThreshold: z.number().int().min(1).default(5),
  /** How long it stays open before letting probes through (half-open). */
  openMs: milliseconds.default(10_000),
  /** Requests let through while half-open; all must succeed to close it. */
  halfOpenRequests: z.number().int().min(1).default(1),
});

const retryBudgetSchema = z.strictObject({
  /** Each request earns this many retry tokens (0.2: at most one retry per five requests, sustained). */
  ratio: z.number().min(0).max(1).default(0.2),
  /** Tokens available from the start and the most that can accumulate. */
  burst: z.number().int().min(0).default(10),
});

const upstreamSchema = z
  .strictObject({
    /** Static instances (KrakenD's `sd: static`), as base URLs. */
    instances: z
      .array(z.url({ protocol: /^http$/ }))
      .min(1)
      .optional(),
    /** Or: instances found by service name through the registry (Lab 08's resolver). */
    discovery: z.strictObject({ service: name }).optional(),
    balancer: z.enum(["round-robin", "least-outstanding", "power-of-two"]).default("round-robin"),
    /** Keep-alive connections per instance. */
    connections: z.number().int().min(1).max(1024).default(64),
    healthCheck: healthCheckSchema.optional(),
    outlierDetection: outlierSchema.optional(),
    circuitBreaker: breakerSchema.optional(),
    retryBudget: retryBudgetSchema.prefault({}),
  })
  .refine((upstream) => (upstream.instances === undefined) !== (upstream.discovery === undefined), {
    message: "give either 'instances' (static) or 'discovery' (a service name), not both or neither",
  });

const bucketSchema = z.strictObject({
  /** Requests allowed in a burst. */
  capacity: z.number().int().min(1),
  /** Tokens added per second, up to capacity. */
  refillPerSecond: z.number().positive(),
});

const rateLimitSchema = z.strictObject({
  /** One bucket per client, as named by `clientKey`. */
  perClient: bucketSchema.optional(),
  /** One bucket shared by every client of the route. */
  perRoute: bucketSchema.optional(),
  /** What names a client: its IP address, its token's subject, or a header (e.g. an API key). */
  clientKey: z.union([z.literal("ip"), z.literal("subject"), z.strictObject({ header: headerName })]).default("ip"),
});

const authSchema = z.strictObject({
  /** Scopes the token must all carry (space-separated `scope` claim); missing ones answer 403. */
  scopes: z.array(z.string().min(1)).default([]),
  /** Claims passed on to the upstream as headers, e.g. { "sub": "x-user-id" }. */
  claimsToHeaders: z.record(z.string().min(1), headerName).default({ sub: "x-user-id" }),
});

const corsSchema = z.strictObject({
  /** Exact origins allowed, e.g. "https://shop.example"; "*" allows any (never with credentials). */
  origins: z.array(z.string().min(1)).min(1),
  methods: z.array(method).default(["GET", "HEAD", "POST"]),
  headers: z.array(headerName).default(["content-type", "authorization"]),
  credentials: z.boolean().default(false),
  maxAgeSeconds: z.number().int().min(0).default(600),
});

const routeSchema = z.strictObject({
  id: name,
  match: z.strictObject({
    /** The Host header, without the port; any host when absent. */
    host: z.string().min(1).optional(),
    /** A path prefix, matched segment by segment: /api/pets matches /api/pets/7, not /api/petshop. */
    prefix: z.string().startsWith("/"),
    /** Any method when absent. */
    methods: z.array(method).min(1).optional(),
  }),
  /** Replace the matched prefix before forwarding: { prefix: "/pets" } sends /api/pets/7 to /pets/7. */
  rewrite: z.strictObject({ prefix: z.string().startsWith("/") }).optional(),
  upstream: name,
  /** The whole exchange, retries included, must finish within this. */
  timeoutMs: milliseconds.default(5_000),
  retry: z
    .strictObject({
      /** Attempts in all, the first included. */
      attempts: z.number().int().min(1).max(5).default(3),
      backoffMs: z.number().int().min(0).default(25),
    })
    .prefault({}),
  rateLimit: rateLimitSchema.optional(),
  auth: authSchema.optional(),
  cors: corsSchema.optional(),
});

const jwtSchema = z
  .strictObject({
    issuer: z.string().min(1).optional(),
    audience: z.string().min(1).optional(),
    algorithms: z.array(z.enum(["HS256", "HS384", "HS512", "RS256", "ES256", "EdDSA"])).min(1),
    /** Shared secret for HS* (at least 32 characters). */
    secret: z.string().min(32).optional(),
    /** Public key (SPKI PEM) for RS256/ES256/EdDSA. */
    publicKey: z.string().includes("BEGIN PUBLIC KEY").optional(),
    /** Or a JWKS endpoint the keys are fetched (and cached) from. */
    jwksUrl: z.url().optional(),
    /** Leeway for exp/nbf, in seconds. */
    clockToleranceSeconds: z.number().int().min(0).max(300).default(0),
  })
  .refine((jwt) => [jwt.secret, jwt.publicKey, jwt.jwksUrl].filter((key) => key !== undefined).length === 1, {
    message: "give exactly one of 'secret', 'publicKey' or 'jwksUrl'",
  });

export const routesFileSchema = z
  .strictObject({
    version: z.literal(1),
    /** One JSON line per request on stdout. */
    accessLog: z.boolean().default(true),
    /** Largest request body the gateway buffers (it must, to retry); larger ones answer 413. */
    maxBodyBytes: z
      .number()
      .int()
      .min(0)
      .default(1024 * 1024),
    jwt: jwtSchema.optional(),
    upstreams: z.record(name, upstreamSchema),
    routes: z.array(routeSchema).min(1),
  })
  .superRefine((file, context) => {
    const seen = new Set<string>();
    file.routes.forEach((route, index) => {
      if (seen.has(route.id))
        context.addIssue({ code: "custom", path: ["routes", index, "id"], message: `a second route '${route.id}'` });
      seen.add(route.id);
      if (!(route.upstream in file.upstreams))
        context.addIssue({
          code: "custom",
          path: ["routes", index, "upstream"],
          message: `no upstream '${route.upstream}' (upstreams: ${Object.keys(file.upstreams).join(", ") || "none"})`,
        });
      if (route.auth && !file.jwt)
        context.addIssue({
          code: "custom",
          path: ["routes", index, "auth"],
          message: "a route with auth needs the top-level 'jwt' section",
        });
      if (route.cors?.credentials && route.cors.origins.includes("*"))
        context.addIssue({
          code: "custom",
          path: ["routes", index, "cors", "origins"],
          message: "'*' cannot be used with credentials: browsers refuse it; list the origins",
        });
    });
  });

export type RoutesFile = z.infer<typeof routesFileSchema>;
export type RouteConfig = RoutesFile["routes"][number];
export type UpstreamConfig = RoutesFile["upstreams"][string];
export type HealthCheckConfig = NonNullable<UpstreamConfig["healthCheck"]>;
export type OutlierConfig = NonNullable<UpstreamConfig["outlierDetection"]>;
export type BreakerConfig = NonNullable<UpstreamConfig["circuitBreaker"]>;
export type RetryBudgetConfig = UpstreamConfig["retryBudget"];
export type BucketConfig = z.infer<typeof bucketSchema>;
export type RateLimitConfig = NonNullable<RouteConfig["rateLimit"]>;
export type AuthConfig = NonNullable<RouteConfig["auth"]>;
export type CorsConfig = NonNullable<RouteConfig["cors"]>;
export type JwtConfig = NonNullable<RoutesFile["jwt"]>;
