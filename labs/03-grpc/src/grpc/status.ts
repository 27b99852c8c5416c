import * as grpc from "@grpc/grpc-js";
import type { z } from "zod";

/** What both sides of the gRPC contract share besides the proto: status errors and metadata helpers. */

/** A status answered on purpose: thrown out of a handler, it ends the call with this code and details. */
export class GrpcStatusError extends Error {
  constructor(
    readonly code: grpc.status,
    details: string,
    readonly metadata?: grpc.Metadata,
  ) {
    super(details);
    this.name = "GrpcStatusError";
  }
}

/**
 * Validates a request with the same zod schema the HTTP API uses, and answers INVALID_ARGUMENT naming the
 * fields as the proto (or the metadata) calls them: "amount_cents: must be more than 0".
 */
export function parseOrInvalid<S extends z.ZodType>(
  schema: S,
  value: unknown,
  fieldNames: Record<string, string> = {},
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return `${fieldNames[path] ?? snakeCase(path)}: ${issue.message}`;
  });
  throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, problems.join("; "));
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`) || "request";
}

/** The first value of a metadata key, as text; undefined when absent. */
export function metadataText(metadata: grpc.Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return value === undefined ? undefined : value.toString();
}

/** The name of a status code: 14 → "UNAVAILABLE". */
export function statusName(code: grpc.status): string {
  return grpc.status[code] ?? String(code);
}
