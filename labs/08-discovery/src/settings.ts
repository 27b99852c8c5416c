import { problem, type ServiceApp } from "@distlab/kit/service";
import { todo } from "@distlab/kit/service";

/**
 * Step 6: the settings a service takes from the registry, and how they act while it runs.
 *
 *   read-only   "true" | "false" (default false): a feature flag. While true, the service refuses every
 *               write (POST, PUT, PATCH, DELETE) with 503 and Retry-After, and still serves reads.
 *   weight      a whole number from 1 to 100 (default 1): the instance's share of traffic, published in
 *               its registration's meta (`weight`) for load balancers to use.
 *
 * A value that does not parse keeps the setting's last good value and is reported; an unknown key is
 * reported and ignored; a key that disappears goes back to its default.
 */

export interface ServiceSettings {
  readOnly: boolean;
  weight: number;
}

export const DEFAULT_SETTINGS: ServiceSettings = Object.freeze({ readOnly: false, weight: 1 });
const KNOWN = ["read-only", "weight"];

/** The settings in force after reading `values` (setting name → raw text), and what was wrong with them. */
export function parseSettings(
  values: Map<string, string>,
  previous: ServiceSettings,
): { settings: ServiceSettings; errors: string[] } {
  return todo("TODO(lab08 §6): read each setting, keep the last good value of one that does not parse, and say why — see labs/08-discovery/README.md, step 6");
}

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Refuses writes while the settings say read-only — the settings in force at each request, not at start. */
export function installReadOnlyGate(app: ServiceApp, current: () => ServiceSettings, where: string): void {
  app.addHook("onRequest", async (request) => {
    if (current().readOnly) refuseWrites(request.method, where);
  });
}

/** While read-only: a write is refused with 503 and Retry-After (the caller may try again later); reads go on. */
export function refuseWrites(method: string, where: string): void {
  return todo("TODO(lab08 §6): refuse a write with 503 and Retry-After while read-only is in force; let reads through — see labs/08-discovery/README.md, step 6");
}
