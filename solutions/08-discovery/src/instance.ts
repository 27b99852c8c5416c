import { z } from "zod";
import type { ServiceInstance } from "./resolver.ts";

/**
 * An instance as the registries store it. In etcd it is the JSON value of its key; in Consul it is the
 * agent's service entry. Decoding is strict: an entry someone wrote by hand with a typo is skipped with a
 * message naming the key and the field, never half-read.
 */

const name = z.string().regex(/^[a-z][a-z0-9-]*$/, "lowercase letters, digits and -");

export const instanceSchema = z.strictObject({
  id: z.string().min(1).max(200),
  service: name,
  address: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  tags: z.array(z.string()),
  meta: z.record(z.string(), z.string()),
});

export function encodeInstance(instance: ServiceInstance): string {
  return JSON.stringify(instance);
}

/** The instance stored under `key`, or an Error that says what is wrong with it. */
export function decodeInstance(text: string, key: string): ServiceInstance | Error {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return new Error(`${key}: not JSON (${text.slice(0, 60)})`);
  }
  const parsed = instanceSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "value"}: ${issue.message}`);
  return new Error(`${key}: not an instance (${issues.join("; ")})`);
}

/** One entry of Consul's /v1/health/service/:name, as the instance it describes. */
export interface HealthEntry {
  Node: { Address: string };
  Service: {
    ID: string;
    Service: string;
    Address: string;
    Port: number;
    Tags: string[] | null;
    Meta: Record<string, string> | null;
  };
}

export function instanceFromHealthEntry(entry: HealthEntry): ServiceInstance {
  return {
    id: entry.Service.ID,
    service: entry.Service.Service,
    // An empty service address means "the node's address" in Consul.
    address: entry.Service.Address || entry.Node.Address,
    port: entry.Service.Port,
    tags: entry.Service.Tags ?? [],
    meta: entry.Service.Meta ?? {},
  };
}
