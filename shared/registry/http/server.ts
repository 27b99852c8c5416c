import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { DurationError } from "../durations.ts";
import { RegistryError } from "../errors.ts";
import { makeContext, type Answer, type Router } from "./router.ts";

/**
 * The HTTP face of the registry on node:http: routing, Consul's response conventions (JSON bodies, plain
 * text errors, X-Consul-Index and friends on blocking reads) and a count of requests per route, which is
 * how a test tells a watch (a few long blocking requests) from polling (many short ones).
 */

const MAX_BODY_BYTES = 1024 * 1024;

export interface RouteStats {
  /** Requests to this route. */
  requests: number;
  /** Of those, blocking queries (a non-zero `?index`). */
  blocking: number;
}

export interface RequestStats {
  total: number;
  /** Keyed by method and pattern: "GET /v1/health/service/:name". */
  routes: Record<string, RouteStats>;
}

export interface HttpFace {
  server: Server;
  stats(): RequestStats;
  resetStats(): void;
}

export function createHttpFace(router: Router, datacenter: string): HttpFace {
  let stats: RequestStats = { total: 0, routes: {} };
  const count = (key: string, blocking: boolean) => {
    stats.total += 1;
    const route = (stats.routes[key] ??= { requests: 0, blocking: 0 });
    route.requests += 1;
    if (blocking) route.blocking += 1;
  };
  const server = createServer((request, response) => void handle(request, response));
  // Blocking queries may wait up to 10 minutes: no request timeout, headers still bounded.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const aborted = new AbortController();
    response.once("close", () => aborted.abort());
    try {
      const url = new URL(request.url ?? "/", "http://registry");
      const method = request.method ?? "GET";
      const found = router.match(method, url.pathname);
      if (!("route" in found)) {
        if (found.allowed.length) return send(response, { status: 405, text: `method ${method} not allowed` });
        count(`${method} (unknown path)`, false);
        return send(response, { status: 404, text: "" });
      }
      count(`${method} ${found.route.pattern}`, (url.searchParams.get("index") ?? "0").replace(/^0+/, "") !== "");
      const dc = url.searchParams.get("dc");
      if (dc && dc !== datacenter) throw new RegistryError(500, "No path to datacenter");
      const body = await readBody(request);
      const context = makeContext(method, found.params, url.searchParams, request.headers, body, aborted.signal);
      send(response, await found.route.handler(context));
    } catch (error) {
      send(response, errorAnswer(error));
    }
  }

  return {
    server,
    stats: () => structuredClone(stats),
    resetStats: () => void (stats = { total: 0, routes: {} }),
  };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new RegistryError(413, `Request body too large, max size: ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.once("end", () => resolve(Buffer.concat(chunks)));
    request.once("error", reject);
  });
}

function errorAnswer(error: unknown): Answer {
  if (error instanceof RegistryError) return { status: error.status, text: error.message };
  if (error instanceof DurationError) return { status: 400, text: error.message };
  return { status: 500, text: `internal error: ${(error as Error).message}` };
}

function send(response: ServerResponse, answer: Answer): void {
  if (response.writableEnded || response.destroyed) return;
  const headers: Record<string, string> = {};
  if (answer.index !== undefined) {
    headers["x-consul-index"] = String(answer.index);
    headers["x-consul-knownleader"] = "true";
    headers["x-consul-lastcontact"] = "0";
    headers["x-consul-effective-consistency"] = "leader";
  }
  let body: string | Buffer = "";
  if (answer.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(answer.json);
  } else if (answer.text !== undefined) {
    headers["content-type"] = answer.contentType ?? "text/plain; charset=utf-8";
    body = answer.text;
  }
  headers["content-length"] = String(Buffer.byteLength(body));
  response.writeHead(answer.status ?? 200, headers);
  response.end(body);
}
