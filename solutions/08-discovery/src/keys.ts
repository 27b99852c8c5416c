/**
 * Where things live in the registries. etcd: every instance of a service is one key under the service's
 * prefix (`/distlab/services/payment/payment-vm-41234`), its value the instance as JSON; a service's
 * settings are keys under `/distlab/config/payment/`. Consul: instances are agent services (ID = instance
 * id); settings are KV keys under `distlab/config/payment/` (Consul keys have no leading slash).
 */

export const serviceKeyPrefix = (prefix: string, service: string) => `${prefix}services/${service}/`;
export const serviceKey = (prefix: string, service: string, id: string) => `${serviceKeyPrefix(prefix, service)}${id}`;
export const etcdConfigPrefix = (prefix: string, service: string) => `${prefix}config/${service}/`;
export const consulConfigPrefix = (service: string) => `distlab/config/${service}/`;
