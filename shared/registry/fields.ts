import { badRequest } from "./errors.ts";

/**
 * Reads a JSON request body the way Consul's Go decoder does: a field matches its name whatever the case
 * ("Name", "name"), and snake_case spellings are accepted ("deregister_critical_service_after"). A field of
 * the wrong type is refused with a 400 that names it.
 */
const normalise = (name: string) => name.replace(/_/g, "").toLowerCase();

export class Fields {
  private readonly byName = new Map<string, unknown>();

  private constructor(
    body: Record<string, unknown>,
    private readonly path: string,
  ) {
    for (const [name, value] of Object.entries(body)) this.byName.set(normalise(name), value);
  }

  /** The fields of a decoded body; anything but a JSON object is a 400. */
  static of(body: unknown, path = ""): Fields {
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw badRequest(`Request decode failed: ${path || "body"} must be a JSON object`);
    return new Fields(body as Record<string, unknown>, path);
  }

  /** Parses a request body; an empty body is `{}` when `emptyAllowed`. */
  static parse(text: string, emptyAllowed = false): Fields {
    if (text.trim() === "") {
      if (emptyAllowed) return new Fields({}, "");
      throw badRequest("Request decode failed: the body is empty, a JSON object was expected");
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw badRequest(`Request decode failed: ${(error as Error).message}`);
    }
    return Fields.of(body);
  }

  has(name: string): boolean {
    const value = this.byName.get(normalise(name));
    return value !== undefined && value !== null;
  }

  raw(name: string): unknown {
    const value = this.byName.get(normalise(name));
    return value === null ? undefined : value;
  }

  string(name: string): string | undefined {
    return this.typed(name, "a string", (value) => typeof value === "string") as string | undefined;
  }

  integer(name: string): number | undefined {
    return this.typed(name, "an integer", (value) => Number.isInteger(value)) as number | undefined;
  }

  boolean(name: string): boolean | undefined {
    return this.typed(name, "true or false", (value) => typeof value === "boolean") as boolean | undefined;
  }

  strings(name: string): string[] | undefined {
    const isList = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === "string");
    return this.typed(name, "a list of strings", isList) as string[] | undefined;
  }

  stringMap(name: string): Record<string, string> | undefined {
    const isMap = (value: unknown) =>
      typeof value === "object" &&
      value !== null &&
      !Array.isArray(value) &&
      Object.values(value).every((item) => typeof item === "string");
    return this.typed(name, "an object of strings", isMap) as Record<string, string> | undefined;
  }

  object(name: string): Fields | undefined {
    const value = this.raw(name);
    return value === undefined ? undefined : Fields.of(value, this.where(name));
  }

  objects(name: string): Fields[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw badRequest(`Request decode failed: ${this.where(name)} must be a list`);
    return value.map((item, index) => Fields.of(item, `${this.where(name)}[${index}]`));
  }

  where(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  private typed(name: string, expected: string, accepts: (value: unknown) => boolean): unknown {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!accepts(value))
      throw badRequest(`Request decode failed: ${this.where(name)} must be ${expected}, got ${JSON.stringify(value)}`);
    return value;
  }
}
