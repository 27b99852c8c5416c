import { createRemoteJWKSet, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import type { Clock } from "../clock.ts";
import type { AuthConfig, JwtConfig } from "../config/schema.ts";

/**
 * Authentication at the edge (README, step 8): the gateway checks the bearer token once, so services
 * behind it receive who the caller is as plain headers and never see a token they would each have to
 * verify. A request without a valid token is answered 401 here; one whose token lacks a scope, 403.
 */

export type AuthOutcome =
  | { ok: true; claims: JWTPayload; headers: Record<string, string> }
  | { ok: false; status: 401 | 403; detail: string; wwwAuthenticate: string };

type VerificationKey = Uint8Array | Awaited<ReturnType<typeof importSPKI>> | JWTVerifyGetKey;

/** Verifies tokens against the routes file's `jwt` section, on the gateway's clock. */
export class TokenVerifier {
  private key: Promise<VerificationKey> | undefined;

  constructor(
    readonly config: JwtConfig,
    private readonly clock: Clock,
  ) {}

  /** Loads the key now, so that a routes file with a key that cannot be read is refused when loaded. */
  async prepare(): Promise<void> {
    this.key ??= this.loadKey();
    await this.key;
  }

  /**
   * The claims of a token that is valid now: signed by the configured key with an allowed algorithm, for
   * the configured issuer and audience, and within its exp/nbf — read on the gateway's clock. Throws a
   * jose error saying why otherwise.
   */
  async verify(token: string): Promise<JWTPayload> {
    this.key ??= this.loadKey();
    const key = await this.key;
    // @solution §8 "verify signature, algorithm, issuer, audience and dates on the gateway's clock"
    const options = {
      algorithms: this.config.algorithms,
      currentDate: new Date(this.clock.now()),
      clockTolerance: this.config.clockToleranceSeconds,
      ...(this.config.issuer === undefined ? {} : { issuer: this.config.issuer }),
      ...(this.config.audience === undefined ? {} : { audience: this.config.audience }),
    };
    const { payload } =
      typeof key === "function" ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
    return payload;
    // @end
  }

  private async loadKey(): Promise<VerificationKey> {
    if (this.config.secret !== undefined) return new TextEncoder().encode(this.config.secret);
    if (this.config.publicKey !== undefined) return importSPKI(this.config.publicKey, this.config.algorithms[0]!);
    return createRemoteJWKSet(new URL(this.config.jwksUrl!));
  }
}

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i;

/**
 * Checks a request's Authorization header for a route with `auth`: a missing or malformed header, a
 * token with a bad signature, expired, not yet valid, for another issuer or audience, or with a disallowed
 * algorithm → 401 with `WWW-Authenticate: Bearer …`; a valid token without every required scope → 403.
 * A valid token's claims named in `claimsToHeaders` become headers for the upstream.
 */
export async function authenticate(
  authorization: string | undefined,
  verifier: TokenVerifier,
  auth: AuthConfig,
): Promise<AuthOutcome> {
  // @solution §8 "verify the bearer token, check its scopes, turn its claims into headers"
  const match = authorization === undefined ? null : BEARER.exec(authorization);
  if (!match) {
    return {
      ok: false,
      status: 401,
      detail: "this route needs a bearer token (Authorization: Bearer <JWT>)",
      wwwAuthenticate: 'Bearer realm="gateway"',
    };
  }
  let claims: JWTPayload;
  try {
    claims = await verifier.verify(match[1]!);
  } catch (error) {
    const reason = (error as Error).message;
    return {
      ok: false,
      status: 401,
      detail: `the token was refused: ${reason}`,
      wwwAuthenticate: `Bearer realm="gateway", error="invalid_token", error_description="${reason.replace(/["\\]/g, "'")}"`,
    };
  }
  const granted = new Set(typeof claims.scope === "string" ? claims.scope.split(" ") : []);
  const missing = auth.scopes.filter((scope) => !granted.has(scope));
  if (missing.length > 0) {
    return {
      ok: false,
      status: 403,
      detail: `the token lacks the scope${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
      wwwAuthenticate: `Bearer realm="gateway", error="insufficient_scope", scope="${auth.scopes.join(" ")}"`,
    };
  }
  const headers: Record<string, string> = {};
  for (const [claim, header] of Object.entries(auth.claimsToHeaders)) {
    const value = claims[claim];
    if (value === undefined || value === null) continue;
    headers[header] = headerValue(value);
  }
  return { ok: true, claims, headers };
  // @end
}

/** A claim as a header value: printable ASCII strings as they are, anything else percent-encoded JSON. */
function headerValue(value: unknown): string {
  if (typeof value === "string" && /^[\x20-\x7e]*$/.test(value)) return value;
  return encodeURIComponent(typeof value === "string" ? value : JSON.stringify(value));
}
