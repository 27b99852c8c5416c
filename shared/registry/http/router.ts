import type { IncomingHttpHeaders } from "node:http";
import { badRequest, RegistryError } from "../errors.ts";
import { Fields } from "../fields.ts";

/**
 * A small router with Consul's URL rules: `:name` is one path segment and `*name` the rest of the path,
 * both percent-decoded after matching (the `consul` client sends `/` inside a key as `%2F` and `:` in a
 * check ID as `%3A`), and a flag such as `?recurse` counts when present without a value.
 */

export interface Answer {
  status?: number;
  /** Serialised as JSON with content-type application/json. */
  json?: unknown;
  /** A plain-text body (errors, `?raw` values). */
  text?: string | Buffer;
  contentType?: string;
  /** Sets X-Consul-Index (and the other query-meta headers) for blocking endpoints. */
  index?: number;
}

export interface RequestContext {
  readonly method: string;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Aborted when the client goes away (a blocking query stops waiting). */
  readonly signal: AbortSignal;
  /** The JSON body's fields; `emptyAllowed` reads an empty body as {}. */
  fields(emptyAllowed?: boolean): Fields;
  /** True for `?flag`, `?flag=` and `?flag=true`; false when absent or `=false`/`=0`. */
  flag(name: string): boolean;
  /** A non-negative integer query parameter, or undefined; anything else is a 400 naming it. */
  integer(name: string, what: string): number | undefined;
}

export type Handler = (context: RequestContext) => Answer | Promise<Answer>;

export interface Route {
  methods: readonly string[];
  /** e.g. "/v1/kv/*key", "/v1/agent/check/pass/:id" */
  pattern: string;
  handler: Handler;
}

interface Compiled extends Route {
  segments: string[];
}

export class Router {
  private readonly routes: Compiled[] = [];

  add(routes: Route[]): this {
    for (const route of routes) this.routes.push({ ...route, segments: route.pattern.split("/").slice(1) });
    return this;
  }

  /** The route and its decoded params; `allowed` lists the methods of a path that exists for another one. */
  match(method: string, rawPath: string): { route: Compiled; params: Record<string, string> } | { allowed: string[] } {
    const parts = rawPath.split("/").slice(1);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.methods.includes(method)) return { route, params };
      allowed.push(...route.methods);
    }
    return { allowed };
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const segment = pattern[i]!;
    if (segment.startsWith("*")) {
      params[segment.slice(1)] = decode(parts.slice(i).join("/"));
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.startsWith(":")) {
      if (part === "") return undefined;
      params[segment.slice(1)] = decode(part);
    } else if (segment !== part) return undefined;
  }
  return parts.length === pattern.length ? params : undefined;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw badRequest(`Invalid URL encoding in '${text}'`);
  }
}

export function makeContext(
  method: string,
  params: Record<string, string>,
  query: URLSearchParams,
  headers: IncomingHttpHeaders,
  body: Buffer,
  signal: AbortSignal,
): RequestContext {
  return {
    method,
    params,
    query,
    headers,
    body,
    signal,
    fields: (emptyAllowed = false) => Fields.parse(body.toString("utf8"), emptyAllowed),
    flag(name) {
      if (!query.has(name)) return false;
      const value = query.get(name)!.toLowerCase();
      return value !== "false" && value !== "0";
    },
    integer(name, what) {
      const raw = query.get(name);
      if (raw === null || raw === "") return undefined;
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new RegistryError(400, `Invalid ${what}`);
      return Number(raw);
    },
  };
}
