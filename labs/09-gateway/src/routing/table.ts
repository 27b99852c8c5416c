import type { RouteConfig } from "../config/schema.ts";
import { todo } from "@distlab/kit/service";

/**
 * The routing table, compiled once per configuration: every request is matched against routes already
 * sorted from most to least specific, so the first route that fits is the answer (README, steps 1–2).
 */

export interface CompiledRoute {
  readonly id: string;
  readonly config: RouteConfig;
  /** Lowercase, without a port; undefined matches any host. */
  readonly host: string | undefined;
  /** Without a trailing slash, except the root prefix "/". */
  readonly prefix: string;
  readonly methods: ReadonlySet<string> | undefined;
  /** The prefix that replaces `prefix` on the way to the upstream. */
  readonly rewrite: string | undefined;
  /** Position in the routes file. */
  readonly order: number;
}

export type RouteMatch =
  | { kind: "route"; route: CompiledRoute; upstreamPath: string }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "no-route" };

export class RouteTable {
  readonly routes: readonly CompiledRoute[];
  /** Whether some route names a host: if none does, the Host header is never looked at. */
  private readonly byHost: boolean;

  constructor(configs: readonly RouteConfig[]) {
    this.routes = configs.map(compileRoute).sort(compareRoutes);
    this.byHost = this.routes.some((route) => route.host !== undefined);
  }

  /** The route for a request: `host` is the Host header, `target` the request target (path and query). */
  match(host: string | undefined, method: string, target: string): RouteMatch {
    return matchRoute(this.routes, this.byHost ? hostOf(host) : undefined, method, target);
  }
}

function compileRoute(config: RouteConfig, order: number): CompiledRoute {
  return {
    id: config.id,
    config,
    host: config.match.host === undefined ? undefined : hostOf(config.match.host),
    prefix: trimSlash(config.match.prefix),
    methods: config.match.methods && new Set(config.match.methods),
    rewrite: config.rewrite && trimSlash(config.rewrite.prefix),
    order,
  };
}

function trimSlash(prefix: string): string {
  return prefix.length > 1 && prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
}

/** The Host header as routes name it: lowercase, without the port. */
export function hostOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const host = header.startsWith("[") ? header.slice(0, header.indexOf("]") + 1) : header.split(":")[0]!;
  return host.toLowerCase();
}

/**
 * Sort order of the table, most specific first: a route for a named host before a route for any host;
 * then the longer prefix; then a route that lists its methods before one that takes any; then file order.
 */
export function compareRoutes(a: CompiledRoute, b: CompiledRoute): number {
  return todo("TODO(lab09 §1): order routes from most to least specific — see labs/09-gateway/README.md, step 1");
}

/**
 * Whether `prefix` matches `path` segment by segment: "/api/pets" matches "/api/pets", "/api/pets/" and
 * "/api/pets/7", never "/api/petshop"; "/" matches every path.
 */
export function prefixMatches(prefix: string, path: string): boolean {
  return todo("TODO(lab09 §2): match a prefix on segment boundaries — see labs/09-gateway/README.md, step 2");
}

/**
 * The first route of the sorted table whose host, prefix and method fit. When some route fits the host
 * and path but none takes the method, the answer is method-not-allowed with the methods that would
 * (sorted, for the Allow header).
 */
export function matchRoute(
  routes: readonly CompiledRoute[],
  host: string | undefined,
  method: string,
  target: string,
): RouteMatch {
  return todo("TODO(lab09 §2): find the most specific route for a request and the path to send upstream — see labs/09-gateway/README.md, step 2");
}

/**
 * Replaces the matched `prefix` of `target` with `replacement`, keeping the rest of the path and the query:
 * ("/api/pets", "/pets", "/api/pets/7?x=1") → "/pets/7?x=1"; ("/api", "/", "/api/pets") → "/pets";
 * ("/api", "/", "/api") → "/". Never produces "//" or an empty path.
 */
export function rewritePath(prefix: string, replacement: string, target: string): string {
  return todo("TODO(lab09 §2): rewrite the matched prefix, keeping the rest of the path and the query — see labs/09-gateway/README.md, step 2");
}

/**
 * Why a request target cannot be routed safely, or undefined when it can: it must start with "/", and no
 * segment may be "." or ".." (also percent-encoded: "%2e%2e") — otherwise "/public/../admin" would be
 * matched as a public route and resolved by the upstream as the admin one.
 */
export function unsafeTargetReason(target: string): string | undefined {
  return todo("TODO(lab09 §2): refuse targets that are not absolute paths or that hold dot segments — see labs/09-gateway/README.md, step 2");
}
