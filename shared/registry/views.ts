import { formatDuration } from "./durations.ts";
import type { CheckRecord, ServiceRecord } from "./catalog.ts";
import type { AgentNode } from "./state.ts";

/** The JSON shapes of Consul's agent, catalog and health endpoints, built from the registry's records. */

export function nodeJson(node: AgentNode, index: number): Record<string, unknown> {
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: { lan: node.address, lan_ipv4: node.address, wan: node.address, wan_ipv4: node.address },
    Meta: { "consul-network-segment": "" },
    CreateIndex: index,
    ModifyIndex: index,
  };
}

export function agentServiceJson(service: ServiceRecord, node: AgentNode): Record<string, unknown> {
  return {
    ID: service.id,
    Service: service.name,
    Tags: service.tags,
    Meta: service.meta,
    Port: service.port,
    Address: service.address,
    Weights: service.weights,
    EnableTagOverride: service.enableTagOverride,
    Datacenter: node.datacenter,
  };
}

export function healthServiceJson(service: ServiceRecord): Record<string, unknown> {
  return {
    ID: service.id,
    Service: service.name,
    Tags: service.tags,
    Address: service.address,
    Meta: service.meta,
    Port: service.port,
    Weights: service.weights,
    EnableTagOverride: service.enableTagOverride,
    CreateIndex: service.createIndex,
    ModifyIndex: service.modifyIndex,
  };
}

export function checkJson(check: CheckRecord, node: AgentNode, serviceTags: string[]): Record<string, unknown> {
  const definition = check.definition;
  return {
    Node: node.name,
    CheckID: check.id,
    Name: check.name,
    Status: check.status,
    Notes: check.notes,
    Output: check.output,
    ServiceID: check.serviceId,
    ServiceName: check.serviceName,
    ServiceTags: serviceTags,
    Type: definition?.kind ?? "",
    Interval: definition?.intervalMs ? formatDuration(definition.intervalMs) : "",
    Timeout: definition && definition.kind !== "ttl" ? formatDuration(definition.timeoutMs) : "",
    ExposedPort: 0,
    Definition: {},
    CreateIndex: check.createIndex,
    ModifyIndex: check.modifyIndex,
  };
}

export function catalogServiceJson(
  service: ServiceRecord,
  node: AgentNode,
  nodeIndex: number,
): Record<string, unknown> {
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: nodeJson(node, nodeIndex).TaggedAddresses,
    NodeMeta: { "consul-network-segment": "" },
    ServiceKind: "",
    ServiceID: service.id,
    ServiceName: service.name,
    ServiceTags: service.tags,
    ServiceAddress: service.address,
    ServiceWeights: service.weights,
    ServiceMeta: service.meta,
    ServicePort: service.port,
    ServiceEnableTagOverride: service.enableTagOverride,
    CreateIndex: service.createIndex,
    ModifyIndex: service.modifyIndex,
  };
}
