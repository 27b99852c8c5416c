import type { IncomingRequest, OutgoingResponse } from "@distlab/kit/http-engine";
import type { Gateway } from "./gateway.ts";
import { sendProblem } from "./proxy/problem.ts";

/**
 * The gateway's own endpoints, answered before any route is consulted (routes cannot shadow them):
 *
 *   GET  /health              200 while the process runs
 *   GET  /ready               200 when a configuration is loaded and the gateway is not draining, else 503
 *   GET  /metrics             Prometheus text
 *   GET  /_gateway/config     the configuration in use: version, load time, routes, upstreams, last error
 *   POST /_gateway/reload     reload the routes now: 200 { version } or 422 with the issues
 *   GET  /_gateway/upstreams  per upstream: breaker state, retry tokens, instances and their state
 *   POST /_gateway/clock      { "advanceMs": N } — only with GATEWAY_CLOCK=manual: moves time, runs what fell due
 *
 * In production they would sit on a port of their own, behind the operator's network; here they share
 * the gateway's port so the harness and the demo find them without configuration.
 */
export async function serveAdmin(
  gateway: Gateway,
  request: IncomingRequest,
  response: OutgoingResponse,
): Promise<void> {
  const route = `${request.method} ${request.url}`;
  switch (route) {
    case "GET /health":
      return json(response, 200, { status: "ok" });
    case "GET /ready": {
      const ready = gateway.runtime !== undefined && !gateway.draining;
      return json(response, ready ? 200 : 503, {
        status: ready ? "ready" : gateway.draining ? "draining" : "starting",
      });
    }
    case "GET /metrics": {
      const text = await gateway.metrics.text();
      response.writeHead(200, { "content-type": gateway.metrics.registry.contentType });
      return void response.end(text);
    }
    case "GET /_gateway/config":
      return json(response, 200, {
        version: gateway.version,
        source: gateway.options.routes.name,
        loadedAt: gateway.loadedAt,
        routes: gateway.runtime?.table.routes.map((compiled) => compiled.id) ?? [],
        upstreams: [...(gateway.runtime?.upstreams.keys() ?? [])],
        lastError: gateway.lastError ?? null,
      });
    case "POST /_gateway/reload": {
      const result = await gateway.reload();
      if (result.ok) return json(response, 200, { version: result.version });
      return sendProblem(response, 422, result.error.message, { instance: request.url! });
    }
    case "GET /_gateway/upstreams":
      return json(response, 200, upstreamsView(gateway));
    case "POST /_gateway/clock":
      return moveClock(gateway, request, response);
    default:
      return sendProblem(response, 404, `no gateway endpoint ${route}`, { instance: request.url! });
  }
}

function upstreamsView(gateway: Gateway): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const upstream of gateway.runtime?.upstreams.values() ?? []) {
    view[upstream.name] = {
      breaker: upstream.breaker?.state() ?? null,
      retryTokens: upstream.budget.available,
      instances: upstream.instances.map((instance) => ({
        key: instance.key,
        id: instance.registration.id,
        healthy: instance.healthy,
        ejected: upstream.outliers?.isEjected(instance) ?? false,
        outstanding: instance.outstanding,
      })),
    };
  }
  return view;
}

async function moveClock(gateway: Gateway, request: IncomingRequest, response: OutgoingResponse): Promise<void> {
  const clock = gateway.options.manualClock;
  if (!clock) return sendProblem(response, 404, "the clock moves by hand only with GATEWAY_CLOCK=manual");
  const body = await request.readBody(64 * 1024);
  let advanceMs: unknown;
  try {
    advanceMs = (JSON.parse(body === "too-large" ? "" : body.toString("utf8")) as { advanceMs?: unknown }).advanceMs;
  } catch {
    advanceMs = undefined;
  }
  if (!Number.isInteger(advanceMs) || (advanceMs as number) < 0) {
    return sendProblem(response, 400, 'expected a JSON body { "advanceMs": <non-negative integer> }');
  }
  await clock.advance(advanceMs as number);
  json(response, 200, { now: clock.now() });
}

function json(response: OutgoingResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  response.end(body);
}
