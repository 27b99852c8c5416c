import type { CheckDefinition, CheckSpec, CheckStatus } from "./checks.ts";
import { parseCheck } from "./checks.ts";
import { badRequest, notFound, RegistryError } from "./errors.ts";
import type { Fields } from "./fields.ts";
import type { RegistryState } from "./state.ts";

/**
 * The agent's services and health checks, which in this single-node registry are also the catalog. Every
 * change that a health query can see — a service registered or removed, a check changing status — takes
 * a new index, recorded per service name, so a blocking `health/service/:name` wakes for its own service
 * only. A check reporting the same status again changes its output but no index: a steady heartbeat
 * never wakes a watcher.
 */

export interface ServiceRecord {
  id: string;
  name: string;
  tags: string[];
  address: string;
  port: number;
  meta: Record<string, string>;
  weights: { Passing: number; Warning: number };
  enableTagOverride: boolean;
  createIndex: number;
  modifyIndex: number;
}

export interface CheckRecord {
  id: string;
  name: string;
  notes: string;
  serviceId: string;
  serviceName: string;
  status: CheckStatus;
  output: string;
  definition: CheckDefinition | null;
  createIndex: number;
  modifyIndex: number;
  /** Since when (clock ms) the check has been critical; undefined when it is not. */
  criticalSince: number | undefined;
}

export const SERF_CHECK_ID = "serfHealth";

export interface CatalogEvents {
  checkAdded(check: CheckRecord): void;
  checkRemoved(check: CheckRecord): void;
  checkWentCritical(check: CheckRecord): void;
}

const META_KEY = /^[A-Za-z0-9_-]{1,128}$/;

export class Catalog {
  private readonly services = new Map<string, ServiceRecord>();
  private readonly checks = new Map<string, CheckRecord>();
  private readonly serviceIndexes = new Map<string, number>();
  readonly serf: CheckRecord;

  constructor(
    private readonly state: RegistryState,
    private readonly events: CatalogEvents,
  ) {
    const index = state.commit("nodes", "checks");
    this.serf = {
      id: SERF_CHECK_ID,
      name: "Serf Health Status",
      notes: "",
      serviceId: "",
      serviceName: "",
      status: "passing",
      output: "Agent alive and reachable",
      definition: null,
      createIndex: index,
      modifyIndex: index,
      criticalSince: undefined,
    };
  }

  service(id: string): ServiceRecord | undefined {
    return this.services.get(id);
  }

  allServices(): ServiceRecord[] {
    return [...this.services.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  instancesOf(name: string): ServiceRecord[] {
    return this.allServices().filter((service) => service.name === name);
  }

  check(id: string): CheckRecord | undefined {
    return id === SERF_CHECK_ID ? this.serf : this.checks.get(id);
  }

  allChecks(): CheckRecord[] {
    return [this.serf, ...[...this.checks.values()].sort((a, b) => (a.id < b.id ? -1 : 1))];
  }

  checksOf(serviceId: string): CheckRecord[] {
    return [...this.checks.values()].filter((check) => check.serviceId === serviceId);
  }

  /** The index of a service name's last change; for a name never seen, the services table's. */
  serviceIndex(name: string): number {
    return this.serviceIndexes.get(name) ?? this.state.tableIndex("services");
  }

  register(body: Fields, replaceExistingChecks: boolean): ServiceRecord {
    const name = body.string("Name");
    if (!name) throw badRequest("Missing service name");
    const id = body.string("ID") || name;
    const port = body.integer("Port") ?? 0;
    if (port < 0 || port > 65535) throw badRequest(`Invalid service Port ${port}: 0 to 65535`);
    const meta = body.stringMap("Meta") ?? {};
    for (const key of Object.keys(meta)) {
      if (!META_KEY.test(key)) throw badRequest(`Invalid service meta: key '${key}' contains invalid characters`);
      if (key.startsWith("consul-")) throw badRequest(`Invalid service meta: key '${key}' uses a reserved prefix`);
    }
    const specs = [...(body.object("Check") ? [body.object("Check")!] : []), ...(body.objects("Checks") ?? [])].map(
      parseCheck,
    );
    const weights = body.object("Weights");
    const previous = this.services.get(id);
    const index = this.state.commit("services", "checks");
    const service: ServiceRecord = {
      id,
      name,
      tags: body.strings("Tags") ?? [],
      address: body.string("Address") ?? "",
      port,
      meta,
      weights: { Passing: weights?.integer("Passing") ?? 1, Warning: weights?.integer("Warning") ?? 1 },
      enableTagOverride: body.boolean("EnableTagOverride") ?? false,
      createIndex: previous?.createIndex ?? index,
      modifyIndex: index,
    };
    if (previous && previous.name !== name) this.serviceIndexes.set(previous.name, index);
    this.services.set(id, service);
    const kept = new Set<string>();
    specs.forEach((spec, position) => {
      const checkId = spec.id ?? (specs.length === 1 ? `service:${id}` : `service:${id}:${position + 1}`);
      kept.add(checkId);
      this.putCheck(checkId, spec, service, index);
    });
    if (replaceExistingChecks) for (const check of this.checksOf(id)) if (!kept.has(check.id)) this.removeCheck(check);
    this.serviceIndexes.set(name, index);
    return service;
  }

  deregister(id: string): void {
    const service = this.services.get(id);
    if (!service)
      throw notFound(`Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
    const index = this.state.commit("services", "checks");
    for (const check of this.checksOf(id)) this.removeCheck(check);
    this.services.delete(id);
    this.serviceIndexes.set(service.name, index);
  }

  /** PUT /v1/agent/check/register: a check on its own, or bound to a service by ServiceID. */
  registerCheck(body: Fields): CheckRecord {
    const spec = parseCheck(body);
    if (!spec.name) throw badRequest("Missing check name");
    const serviceId = body.string("ServiceID") ?? "";
    const service = serviceId ? this.services.get(serviceId) : undefined;
    if (serviceId && !service) throw new RegistryError(500, `ServiceID "${serviceId}" does not exist`);
    const index = this.state.commit("checks");
    const check = this.putCheck(spec.id ?? spec.name, spec, service, index);
    if (service) this.serviceIndexes.set(service.name, index);
    return check;
  }

  deregisterCheck(id: string): void {
    const check = this.checks.get(id);
    if (!check) throw notFound(`Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`);
    const index = this.state.commit("checks");
    this.removeCheck(check);
    if (check.serviceName) this.serviceIndexes.set(check.serviceName, index);
  }

  /**
   * A check's new result. A change of status takes an index (watchers wake); the same status again only
   * refreshes the output.
   */
  setStatus(checkId: string, status: CheckStatus, output: string): void {
    const check = this.checks.get(checkId);
    if (!check) return;
    check.output = output;
    if (check.status === status) return;
    const index = this.state.commit("checks");
    check.status = status;
    check.modifyIndex = index;
    check.criticalSince = status === "critical" ? this.state.clock.now() : undefined;
    if (check.serviceName) this.serviceIndexes.set(check.serviceName, index);
    if (status === "critical") this.events.checkWentCritical(check);
  }

  private putCheck(id: string, spec: CheckSpec, service: ServiceRecord | undefined, index: number): CheckRecord {
    const previous = this.checks.get(id);
    if (previous) this.events.checkRemoved(previous);
    // Consul keeps a re-registered check's status, unless the registration sets one.
    const status = spec.status ?? previous?.status ?? "critical";
    const check: CheckRecord = {
      id,
      name: spec.name ?? (service ? `Service '${service.name}' check` : id),
      notes: spec.notes,
      serviceId: service?.id ?? "",
      serviceName: service?.name ?? "",
      status,
      output: previous?.output ?? "",
      definition: spec.definition,
      createIndex: previous?.createIndex ?? index,
      modifyIndex: index,
      criticalSince: status === "critical" ? (previous?.criticalSince ?? this.state.clock.now()) : undefined,
    };
    this.checks.set(id, check);
    this.events.checkAdded(check);
    return check;
  }

  private removeCheck(check: CheckRecord): void {
    this.checks.delete(check.id);
    this.events.checkRemoved(check);
  }
}
