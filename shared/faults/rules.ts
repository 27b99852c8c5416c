/**
 * What a fault rule may say, for the HTTP proxy and the TCP proxy.
 *
 * One zod schema per proxy is the single source of the rule types, of the in-process validation and of
 * the control API's 400 answers. Schemas are strict: a misspelt field is an error, not a silent no-op.
 */
import { z } from "zod";

const durationMs = z.number().nonnegative().max(3_600_000);

/** Fields every rule has, whatever its fault. */
const ruleBase = {
  /** Your name for the rule (to remove it later); generated when absent. */
  id: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "use 1 to 64 letters, digits, '.', '_' or '-'")
    .optional(),
  /** Chance that a matching request (or connection) is faulted; drawn from the proxy's seeded PRNG. */
  probability: z.number().min(0).max(1).default(1),
  /** Fault only the next N matching requests, then stop; absent means no limit. */
  times: z.number().int().positive().optional(),
};

/** Added delay: `ms`, plus a uniform draw in [0, jitterMs]. */
const latency = { fault: z.literal("latency"), ms: durationMs, jitterMs: durationMs.default(0) };
/** Body throughput cap, in both directions. */
const bandwidth = { fault: z.literal("bandwidth"), bytesPerSecond: z.number().int().min(1) };
/** RST right away: the client sees ECONNRESET. */
const reset = { fault: z.literal("reset") };
/** Accept, never forward, never answer, until the client gives up or the proxy closes. */
const blackhole = { fault: z.literal("blackhole") };

const httpRoute = z
  .strictObject({
    /** HTTP method, any case; absent matches every method. */
    method: z
      .string()
      .regex(/^[A-Za-z]+$/, "expected an HTTP method such as GET or POST")
      .transform((method) => method.toUpperCase())
      .optional(),
    /**
     * A path prefix, matched segment by segment ("/charges" matches "/charges" and "/charges/7", not
     * "/chargesX"), or, in process, a RegExp tested against the path (query string excluded).
     */
    path: z
      .union([
        z.string().startsWith("/", "a path prefix starts with '/'"),
        z.instanceof(RegExp).refine((re) => re.flags === "", "use a RegExp without flags"),
      ])
      .optional(),
    /** The JSON spelling of a RegExp path: its source. */
    pathRegex: z.string().refine(isRegexSource, "not a valid regular expression").optional(),
  })
  .refine((route) => route.path === undefined || route.pathRegex === undefined, {
    message: "give either path or pathRegex, not both",
    path: ["pathRegex"],
  })
  .transform(({ method, path, pathRegex }) => {
    const route: { method?: string; path?: string; pathRegex?: string } = {};
    if (method !== undefined) route.method = method;
    if (path instanceof RegExp) route.pathRegex = path.source;
    else if (path !== undefined) route.path = path;
    if (pathRegex !== undefined) route.pathRegex = pathRegex;
    return route;
  });

const httpRoutable = { ...ruleBase, route: httpRoute.optional() };

export const httpRuleSchema = z.discriminatedUnion("fault", [
  z.strictObject({ ...httpRoutable, ...latency }),
  z.strictObject({ ...httpRoutable, ...bandwidth }),
  z.strictObject({ ...httpRoutable, ...reset }),
  z.strictObject({ ...httpRoutable, ...blackhole }),
  /** Read the whole request, never forward it, close the connection without a response. */
  z.strictObject({ ...httpRoutable, fault: z.literal("drop-request") }),
  /** Forward, let the upstream finish, then close the connection without a response. */
  z.strictObject({ ...httpRoutable, fault: z.literal("drop-response") }),
  /** Deliver the request to the upstream twice; the client gets the first copy's response. */
  z.strictObject({
    ...httpRoutable,
    fault: z.literal("duplicate"),
    mode: z.enum(["concurrent", "sequential"]).default("sequential"),
  }),
]);

export const tcpRuleSchema = z.discriminatedUnion("fault", [
  z.strictObject({ ...ruleBase, ...latency }),
  z.strictObject({ ...ruleBase, ...bandwidth }),
  z.strictObject({ ...ruleBase, ...reset }),
  z.strictObject({ ...ruleBase, ...blackhole }),
  /** Forward normally, then close both sides once `bytes` bytes (both directions together) went through. */
  z.strictObject({ ...ruleBase, fault: z.literal("drop-after-bytes"), bytes: z.number().int().min(0) }),
]);

/** What you write: defaults may be left out, `route.path` may be a RegExp. */
export type HttpRuleInput = z.input<typeof httpRuleSchema>;
export type TcpRuleInput = z.input<typeof tcpRuleSchema>;

/** What the proxy stores and lists: defaults filled in, an id always set. */
export type HttpRule = z.output<typeof httpRuleSchema> & { id: string };
export type TcpRule = z.output<typeof tcpRuleSchema> & { id: string };
export type HttpRoute = z.output<typeof httpRoute>;

export type HttpFault = HttpRule["fault"];
export type TcpFault = TcpRule["fault"];

/** Input that a rule schema refused; `issues` names each offending field. */
export class FaultRuleError extends Error {
  readonly issues: { field: string; message: string }[];

  constructor(issues: { field: string; message: string }[]) {
    super(`invalid fault rule: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join("; ")}`);
    this.name = "FaultRuleError";
    this.issues = issues;
  }
}

/** Parses one rule or throws a FaultRuleError that names the field. */
export function parseRule<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new FaultRuleError(
    result.error.issues.map((issue) => ({
      field: fieldName(issue),
      message: issue.message,
    })),
  );
}

function fieldName(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") path.push(issue.keys.join(","));
  return path.length > 0 ? path.join(".") : "(rule)";
}

function isRegexSource(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** A request as route matching sees it. */
export interface RouteTarget {
  method: string;
  /** Path without the query string. */
  path: string;
}

export function compileRoute(route: HttpRoute | undefined): (target: RouteTarget | undefined) => boolean {
  if (route === undefined) return () => true;
  const regex = route.pathRegex === undefined ? undefined : new RegExp(route.pathRegex);
  const prefix = route.path;
  return (target) => {
    if (target === undefined) return false;
    if (route.method !== undefined && target.method.toUpperCase() !== route.method) return false;
    if (regex !== undefined && !regex.test(target.path)) return false;
    if (prefix !== undefined && !hasPathPrefix(target.path, prefix)) return false;
    return true;
  };
}

function hasPathPrefix(path: string, prefix: string): boolean {
  if (prefix.endsWith("/")) return path.startsWith(prefix);
  return path === prefix || path.startsWith(`${prefix}/`);
}
