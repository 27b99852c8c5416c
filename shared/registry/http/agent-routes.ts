import type { Catalog, ServiceRecord } from "../catalog.ts";
import { parseStatus, type CheckStatus } from "../checks.ts";
import { badRequest, notFound } from "../errors.ts";
import type { CheckRunner } from "../probes.ts";
import type { RegistryState } from "../state.ts";
import { agentServiceJson, checkJson } from "../views.ts";
import type { Answer, Route } from "./router.ts";

/**
 * /v1/agent/* — what a service says to its local agent: register and deregister itself, report its TTL
 * checks, and read the agent's own view. The embedded registry is agent and server at once.
 */

export const CONSUL_SERVICE_ID = "consul";
const VERSION = "1.20.0-distlab";

export function agentRoutes(state: RegistryState, catalog: Catalog, runner: CheckRunner): Route[] {
  const node = state.node;
  const local = () => catalog.allServices().filter((service) => service.id !== CONSUL_SERVICE_ID);
  const tagsOf = (serviceId: string) => catalog.service(serviceId)?.tags ?? [];
  const report = (status: CheckStatus) => ({
    methods: ["PUT"],
    pattern: `/v1/agent/check/${status === "passing" ? "pass" : status === "warning" ? "warn" : "fail"}/:id`,
    handler: (context: { params: Record<string, string>; query: URLSearchParams }): Answer => {
      runner.report(context.params.id!, status, context.query.get("note") ?? "");
      return {};
    },
  });
  return [
    {
      methods: ["GET"],
      pattern: "/v1/agent/self",
      handler: () => ({
        json: {
          Config: { Datacenter: node.datacenter, NodeName: node.name, NodeID: node.id, Server: true, Version: VERSION },
          Member: { Name: node.name, Addr: node.address, Port: 8301, Status: 1 },
        },
      }),
    },
    {
      methods: ["GET"],
      pattern: "/v1/agent/services",
      handler: () => ({
        json: Object.fromEntries(local().map((service) => [service.id, agentServiceJson(service, node)])),
      }),
    },
    {
      methods: ["GET"],
      pattern: "/v1/agent/service/:id",
      handler: (context) => {
        const service = catalog.service(context.params.id!);
        if (!service || service.id === CONSUL_SERVICE_ID) throw notFound(`unknown service ID: ${context.params.id}`);
        return { json: agentServiceJson(service, node) };
      },
    },
    {
      methods: ["GET"],
      pattern: "/v1/agent/checks",
      handler: () => ({
        json: Object.fromEntries(
          catalog
            .allChecks()
            .filter((check) => check.serviceId !== "" || check.definition !== null)
            .map((check) => [check.id, checkJson(check, node, tagsOf(check.serviceId))]),
        ),
      }),
    },
    {
      methods: ["PUT"],
      pattern: "/v1/agent/service/register",
      handler: (context) => {
        catalog.register(context.fields(), context.flag("replace-existing-checks"));
        return {};
      },
    },
    {
      methods: ["PUT"],
      pattern: "/v1/agent/service/deregister/:id",
      handler: (context) => {
        if (context.params.id === CONSUL_SERVICE_ID) throw notFound(`Unknown service ID "${CONSUL_SERVICE_ID}"`);
        catalog.deregister(context.params.id!);
        return {};
      },
    },
    {
      methods: ["PUT"],
      pattern: "/v1/agent/check/register",
      handler: (context) => (catalog.registerCheck(context.fields()), {}),
    },
    {
      methods: ["PUT"],
      pattern: "/v1/agent/check/deregister/:id",
      handler: (context) => (catalog.deregisterCheck(context.params.id!), {}),
    },
    report("passing"),
    report("warning"),
    report("critical"),
    {
      methods: ["PUT"],
      pattern: "/v1/agent/check/update/:id",
      handler: (context) => {
        const body = context.fields();
        const status = parseStatus(body.string("Status"), "Status");
        if (!status) throw badRequest("Invalid Status: passing, warning or critical is required");
        runner.report(context.params.id!, status, body.string("Output") ?? "");
        return {};
      },
    },
    {
      methods: ["GET"],
      pattern: "/v1/agent/health/service/name/:name",
      handler: (context) => {
        const services = local().filter((service) => service.name === context.params.name);
        if (services.length === 0) return notFoundAnswer(context.query, `ServiceName ${context.params.name} Not Found`);
        return aggregate(services, catalog, context.query, node);
      },
    },
    {
      methods: ["GET"],
      pattern: "/v1/agent/health/service/id/:id",
      handler: (context) => {
        const service = catalog.service(context.params.id!);
        if (!service || service.id === CONSUL_SERVICE_ID)
          return notFoundAnswer(context.query, `ServiceId ${context.params.id} not found`);
        return aggregate([service], catalog, context.query, node, true);
      },
    },
    { methods: ["GET"], pattern: "/v1/status/leader", handler: () => ({ json: `${node.address}:8300` }) },
    { methods: ["GET"], pattern: "/v1/status/peers", handler: () => ({ json: [`${node.address}:8300`] }) },
  ];
}

const STATUS_CODE: Record<CheckStatus, number> = { passing: 200, warning: 429, critical: 503 };

function worst(statuses: CheckStatus[]): CheckStatus {
  if (statuses.includes("critical")) return "critical";
  if (statuses.includes("warning")) return "warning";
  return "passing";
}

/** The local aggregate health: 200 passing, 429 if a check warns, 503 if one is critical. */
function aggregate(
  services: ServiceRecord[],
  catalog: Catalog,
  query: URLSearchParams,
  node: RegistryState["node"],
  single = false,
): Answer {
  const entries = services.map((service) => {
    const checks = catalog.checksOf(service.id);
    return {
      AggregatedStatus: worst(checks.map((check) => check.status)),
      Service: agentServiceJson(service, node),
      Checks: checks.map((check) => checkJson(check, node, service.tags)),
    };
  });
  const status = worst(entries.map((entry) => entry.AggregatedStatus));
  if (query.get("format") === "text") return { status: STATUS_CODE[status], text: status };
  return { status: STATUS_CODE[status], json: single ? entries[0] : entries };
}

function notFoundAnswer(query: URLSearchParams, message: string): Answer {
  return query.get("format") === "text" ? { status: 404, text: message } : { status: 404, json: null };
}
