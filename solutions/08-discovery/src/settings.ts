import { problem, type ServiceApp } from "@distlab/kit/service";

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
  // @solution §6 "read each setting, keep the last good value of one that does not parse, and say why"
  const errors: string[] = [];
  const settings = { ...DEFAULT_SETTINGS };
  for (const [name, raw] of values) {
    const text = raw.trim();
    if (name === "read-only") {
      if (text === "true" || text === "false") settings.readOnly = text === "true";
      else {
        settings.readOnly = previous.readOnly;
        errors.push(`read-only must be true or false, got '${raw}'; keeping ${previous.readOnly}`);
      }
    } else if (name === "weight") {
      const weight = Number(text);
      if (/^\d+$/.test(text) && weight >= 1 && weight <= 100) settings.weight = weight;
      else {
        settings.weight = previous.weight;
        errors.push(`weight must be a whole number from 1 to 100, got '${raw}'; keeping ${previous.weight}`);
      }
    } else {
      errors.push(`unknown setting '${name}' (known: ${KNOWN.join(", ")}); ignored`);
    }
  }
  return { settings, errors };
  // @end
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
  // @solution §6 "refuse a write with 503 and Retry-After while read-only is in force; let reads through"
  if (!WRITES.has(method)) return;
  throw problem(503, `this service is read-only for now (${where}read-only); reads still work`, {
    headers: { "retry-after": "5" },
  });
  // @end
}
