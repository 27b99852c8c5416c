import type { Backend } from "@distlab/kit/backends";
import { SignJWT, base64url } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  echoOf,
  routes,
  startBackends,
  startGateway,
  staticUpstream,
  stopAll,
  type GatewayUnderTest,
} from "./gateway.ts";
import { show, type Answer } from "./http.ts";

let backend: Backend;
let gateway: GatewayUnderTest;

const SECRET = "a shared secret of the gateway and the issuer, 48 chars";
const ISSUER = "https://auth.shop.test";
const AUDIENCE = "shop";
const ORIGIN = "https://shop.example";

beforeAll(async () => {
  [backend] = (await startBackends(1, "edge-")) as [Backend];
  const cors = {
    origins: [ORIGIN],
    methods: ["GET", "POST"],
    headers: ["content-type", "authorization"],
    credentials: true,
    maxAgeSeconds: 600,
  };
  gateway = await startGateway(
    routes(
      { shop: staticUpstream([backend]) },
      [
        {
          id: "account",
          match: { prefix: "/account" },
          upstream: "shop",
          auth: { claimsToHeaders: { sub: "x-user-id", role: "x-user-role" } },
          cors,
        },
        { id: "orders", match: { prefix: "/orders" }, upstream: "shop", auth: { scopes: ["orders:read"] } },
        { id: "public", match: { prefix: "/public" }, upstream: "shop", cors },
      ],
      { jwt: { issuer: ISSUER, audience: AUDIENCE, algorithms: ["HS256"], secret: SECRET } },
    ),
  );
});
beforeEach(() => backend.resetStats());
afterAll(stopAll);

interface TokenOptions {
  secret?: string;
  issuer?: string;
  audience?: string;
  /** Seconds from now (the test's wall clock); a day by default. */
  expiresIn?: number;
  notBeforeIn?: number;
  claims?: Record<string, unknown>;
}

async function token(options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ role: "customer", ...options.claims })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("u-42")
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 86_400));
  if (options.notBeforeIn !== undefined) jwt.setNotBefore(now + options.notBeforeIn);
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

const bearer = (jwt: string) => ({ authorization: `Bearer ${jwt}` });

function expectUnauthorized(answer: Answer, why: string): void {
  expect(answer.status, `${why}: ${show(answer)}`).toBe(401);
  expect(answer.headers["content-type"], why).toMatch(/^application\/problem\+json/);
  expect(answer.headers["www-authenticate"], why).toMatch(/^Bearer /);
}

describe("Step 8 — JWT at the edge", () => {
  it("answers 401 problem+json with WWW-Authenticate when the token is missing or malformed [R09.8.1]", async () => {
    expectUnauthorized(await gateway.send("/account"), "no Authorization header");
    expectUnauthorized(
      await gateway.send("/account", { headers: { authorization: "Basic dXNlcjpwYXNz" } }),
      "not a bearer token",
    );
    expectUnauthorized(
      await gateway.send("/account", { headers: { authorization: "Bearer" } }),
      "no token after Bearer",
    );
    expectUnauthorized(await gateway.send("/account", { headers: { authorization: "Bearer not.a.jwt" } }), "garbage");
    expect((await backend.stats()).requests, "nothing reached the upstream").toBe(0);
  });

  it("refuses a token whose signature does not verify [R09.8.2, R09.P.14]", async () => {
    expectUnauthorized(
      await gateway.send("/account", {
        headers: bearer(await token({ secret: "another secret, also long enough to sign" })),
      }),
      "signed with another key",
    );
    const [header, , signature] = (await token()).split(".");
    const forged = base64url.encode(
      JSON.stringify({ sub: "admin", iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 }),
    );
    expectUnauthorized(
      await gateway.send("/account", { headers: bearer(`${header}.${forged}.${signature}`) }),
      "payload changed after signing",
    );
    const unsigned = `${base64url.encode(JSON.stringify({ alg: "none" }))}.${forged}.`;
    expectUnauthorized(await gateway.send("/account", { headers: bearer(unsigned) }), "alg none");
    expect((await backend.stats()).requests).toBe(0);
  });

  it("answers 403 when a valid token lacks a scope the route requires [R09.8.4]", async () => {
    const without = await gateway.send("/orders", { headers: bearer(await token({ claims: { scope: "profile" } })) });
    expect(without.status, show(without)).toBe(403);
    expect(without.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(without.headers["www-authenticate"]).toMatch(/insufficient_scope/);
    const withScope = await gateway.send("/orders", {
      headers: bearer(await token({ claims: { scope: "profile orders:read" } })),
    });
    expect(withScope.status, show(withScope)).toBe(200);
  });

  it("passes the token's claims on as headers, and never a client's own copies of them [R09.8.5, R09.P.15]", async () => {
    const echo = echoOf(
      await gateway.send("/account", {
        headers: { ...bearer(await token({ claims: { role: "customer" } })), "x-user-id": "u-1-admin" },
      }),
    );
    expect(echo.headers["x-user-id"], "from the token's sub, not from the client").toBe("u-42");
    expect(echo.headers["x-user-role"]).toBe("customer");
    const spoofed = echoOf(
      await gateway.send("/public/item", { headers: { "x-user-id": "u-1-admin", "x-user-role": "admin" } }),
    );
    expect(spoofed.headers["x-user-id"], "a route without auth does not pass a claimed identity on").toBeUndefined();
    expect(spoofed.headers["x-user-role"]).toBeUndefined();
  });

  it("refuses an expired token — expiry read on the gateway's clock — and one not valid yet, or for another issuer or audience [R09.8.3]", async () => {
    const shortLived = await token({ expiresIn: 60 });
    expect((await gateway.send("/account", { headers: bearer(shortLived) })).status, "valid now").toBe(200);
    expectUnauthorized(
      await gateway.send("/account", { headers: bearer(await token({ notBeforeIn: 3_600 })) }),
      "not valid for another hour",
    );
    expectUnauthorized(
      await gateway.send("/account", { headers: bearer(await token({ issuer: "https://evil.test" })) }),
      "another issuer",
    );
    expectUnauthorized(
      await gateway.send("/account", { headers: bearer(await token({ audience: "billing" })) }),
      "another audience",
    );
    await gateway.advance(10 * 60_000);
    expectUnauthorized(
      await gateway.send("/account", { headers: bearer(shortLived) }),
      "ten minutes later it has expired",
    );
  });
});

describe("Step 8 — CORS at the edge", () => {
  const preflight = (headers: Record<string, string>) =>
    gateway.send("/account/orders", { method: "OPTIONS", headers: { origin: ORIGIN, ...headers } });

  it("answers an allowed preflight itself: 204, no token needed, nothing forwarded [R09.8.6]", async () => {
    const answer = await preflight({
      "access-control-request-method": "POST",
      "access-control-request-headers": "Content-Type, Authorization",
    });
    expect(answer.status, show(answer)).toBe(204);
    expect(answer.headers["access-control-allow-origin"]).toBe(ORIGIN);
    expect(String(answer.headers["access-control-allow-methods"])).toContain("POST");
    expect(String(answer.headers["access-control-allow-headers"]).toLowerCase()).toContain("authorization");
    expect(answer.headers["access-control-max-age"]).toBe("600");
    expect(answer.headers["access-control-allow-credentials"]).toBe("true");
    expect(answer.headers.vary).toMatch(/Origin/);
    expect((await backend.stats()).requests, "the preflight is answered at the edge").toBe(0);
  });

  it("refuses a preflight for another origin, method or header with 403 and no CORS headers [R09.8.6]", async () => {
    const refusals = [
      await gateway.send("/account/orders", {
        method: "OPTIONS",
        headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
      }),
      await preflight({ "access-control-request-method": "DELETE" }),
      await preflight({ "access-control-request-method": "POST", "access-control-request-headers": "x-evil" }),
    ];
    for (const answer of refusals) {
      expect(answer.status, show(answer)).toBe(403);
      expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
    }
  });

  it("adds Access-Control-Allow-Origin to answers for allowed origins only [R09.8.7]", async () => {
    const allowed = await gateway.send("/public/item", { headers: { origin: ORIGIN } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers["access-control-allow-origin"]).toBe(ORIGIN);
    expect(allowed.headers.vary).toMatch(/Origin/);
    const other = await gateway.send("/public/item", { headers: { origin: "https://evil.example" } });
    expect(other.status, "the answer is sent; the browser keeps it from the script").toBe(200);
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    const refused = await gateway.send("/account", { headers: { origin: ORIGIN } });
    expect(refused.status).toBe(401);
    expect(refused.headers["access-control-allow-origin"], "a refusal is readable by the page too").toBe(ORIGIN);
  });
});
