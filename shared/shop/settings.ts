/** A service's settings come from its environment; a wrong one stops it at start with a message that says so. */

export function requiredSetting(name: string, example: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`${name} must be set, e.g. ${name}=${example}`);
  return value;
}

/** A whole number ≥ `min`, or `fallback` when unset; anything else is an error naming the setting. */
export function integerSetting(name: string, fallback: number, min = 1, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer of at least ${min}, got '${raw}'`);
  }
  return value;
}
