import type { Catalog, CheckRecord, ServiceRecord } from "../catalog.ts";
import { CHECK_STATUSES } from "../checks.ts";
import { badRequest } from "../errors.ts";
import type { RegistryState } from "../state.ts";
import { catalogServiceJson, checkJson, healthServiceJson, nodeJson } from "../views.ts";
import { blockingRead } from "./blocking.ts";
import type { RequestContext, Route } from "./router.ts";

/**
 * /v1/health/* and /v1/catalog/* — what a client asks to find services. `health/service/:name?passing`
 * is the one discovery uses: the instances whose every check (the node's serfHealth included) is
 * passing — a warning is not passing. All of them block on `?index`.
 */
export function healthRoutes(state: RegistryState, catalog: Catalog): Route[] {
  const node = state.node;
  const nodeIndex = () => state.tableIndex("nodes");
  const checksJson = (checks: CheckRecord[]) =>
    checks.map((check) => checkJson(check, node, catalog.service(check.serviceId)?.tags ?? []));
  return [
    {
      methods: ["GET"],
      pattern: "/v1/health/service/:name",
      handler: (context) =>
        blockingRead(state, context, () => {
          const name = context.params.name!;
          const passing = context.flag("passing");
          const entries = withTags(catalog.instancesOf(name), context)
            .map((service) => ({ service, checks: [catalog.serf, ...catalog.checksOf(service.id)] }))
            .filter(({ checks }) => !passing || checks.every((check) => check.status === "passing"))
            .map(({ service, checks }) => ({
              Node: nodeJson(node, nodeIndex()),
              Service: healthServiceJson(service),
              Checks: checksJson(checks),
            }));
          return { index: catalog.serviceIndex(name), body: { json: entries } };
        }),
    },
    {
      methods: ["GET"],
      pattern: "/v1/health/checks/:name",
      handler: (context) =>
        blockingRead(state, context, () => {
          const name = context.params.name!;
          const checks = catalog.instancesOf(name).flatMap((service) => catalog.checksOf(service.id));
          return { index: catalog.serviceIndex(name), body: { json: checksJson(checks) } };
        }),
    },
    {
      methods: ["GET"],
      pattern: "/v1/health/state/:state",
      handler: (context) => {
        const wanted = context.params.state!;
        if (wanted !== "any" && !(CHECK_STATUSES as readonly string[]).includes(wanted))
          throw badRequest(`Invalid state '${wanted}': any, passing, warning or critical`);
        return blockingRead(state, context, () => ({
          index: state.tableIndex("checks"),
          body: {
            json: checksJson(catalog.allChecks().filter((check) => wanted === "any" || check.status === wanted)),
          },
        }));
      },
    },
    {
      methods: ["GET"],
      pattern: "/v1/health/node/:node",
      handler: (context) =>
        blockingRead(state, context, () => ({
          index: state.tableIndex("checks", "nodes"),
          body: { json: context.params.node === node.name ? checksJson(catalog.allChecks()) : [] },
        })),
    },
    {
      methods: ["GET"],
      pattern: "/v1/catalog/services",
      handler: (context) =>
        blockingRead(state, context, () => {
          const tags = new Map<string, Set<string>>();
          for (const service of catalog.allServices()) {
            const set = tags.get(service.name) ?? new Set<string>();
            for (const tag of service.tags) set.add(tag);
            tags.set(service.name, set);
          }
          const json = Object.fromEntries([...tags].sort().map(([name, set]) => [name, [...set].sort()]));
          return { index: state.tableIndex("services"), body: { json } };
        }),
    },
    {
      methods: ["GET"],
      pattern: "/v1/catalog/service/:name",
      handler: (context) =>
        blockingRead(state, context, () => ({
          index: catalog.serviceIndex(context.params.name!),
          body: {
            json: withTags(catalog.instancesOf(context.params.name!), context).map((service) =>
              catalogServiceJson(service, node, nodeIndex()),
            ),
          },
        })),
    },
    {
      methods: ["GET"],
      pattern: "/v1/catalog/nodes",
      handler: (context) =>
        blockingRead(state, context, () => ({ index: nodeIndex(), body: { json: [nodeJson(node, nodeIndex())] } })),
    },
    { methods: ["GET"], pattern: "/v1/catalog/datacenters", handler: () => ({ json: [node.datacenter] }) },
  ];
}

/** `?tag=a&tag=b`: instances carrying every tag asked for. `?filter` expressions are not supported. */
function withTags(services: ServiceRecord[], context: RequestContext): ServiceRecord[] {
  if (context.query.has("filter"))
    throw badRequest("The embedded registry does not support ?filter expressions; use ?tag or filter on the client");
  const tags = context.query.getAll("tag");
  return services.filter((service) => tags.every((tag) => service.tags.includes(tag)));
}
