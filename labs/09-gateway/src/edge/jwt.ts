import { createRemoteJWKSet, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import type { Clock } from "../clock.ts";
import type { AuthConfig, JwtConfig } from "../config/schema.ts";
import { todo } from "@distlab/kit/service";

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
    return todo("TODO(lab09 §8): verify signature, algorithm, issuer, audience and dates on the gateway's clock — see labs/09-gateway/README.md, step 8");
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
  return todo("TODO(lab09 §8): verify the bearer token, check its scopes, turn its claims into headers — see labs/09-gateway/README.md, step 8");
}

/** A claim as a header value: printable ASCII strings as they are, anything else percent-encoded JSON. */
function headerValue(value: unknown): string {
  if (typeof value === "string" && /^[\x20-\x7e]*$/.test(value)) return value;
  return encodeURIComponent(typeof value === "string" ? value : JSON.stringify(value));
}
