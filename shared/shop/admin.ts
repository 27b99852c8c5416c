import { problem } from "@distlab/kit/service";
import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Admin routes (creating pets, opening and crediting accounts) need `Authorization: Bearer <ADMIN_TOKEN>`,
 * the token both services read from their environment. Without ADMIN_TOKEN, admin routes are closed.
 */
export function adminGuard(adminToken: string | undefined) {
  const expected = adminToken ? digest(adminToken) : undefined;
  return (headers: Record<string, string | string[] | undefined>): void => {
    const presented = bearerToken(headers);
    if (presented === undefined) throw problem(401, "this route needs an admin token", wwwAuthenticate);
    // Comparing digests in constant time: how long the check takes says nothing about the token.
    if (!expected || !timingSafeEqual(digest(presented), expected)) {
      throw problem(403, "this token is not the admin token");
    }
  };
}

const wwwAuthenticate = { headers: { "www-authenticate": 'Bearer realm="distlab"' } };

/** The token of an `Authorization: Bearer <token>` header; undefined when there is none, 401 when malformed. */
export function bearerToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const header = headers.authorization;
  if (header === undefined) return undefined;
  const match = typeof header === "string" ? /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/.exec(header.trim()) : null;
  if (!match) {
    throw problem(401, "the Authorization header must be 'Bearer <token>'", {
      ...wwwAuthenticate,
      errors: [{ field: "headers/authorization", message: "expected Bearer <token>" }],
    });
  }
  return match[1];
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
