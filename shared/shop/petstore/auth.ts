import { problem } from "@distlab/kit/service";
import { createHash, randomBytes, scrypt, timingSafeEqual, type BinaryLike } from "node:crypto";
import { bearerToken } from "../admin.ts";
import { VersionConflict, type KvClient } from "../kv-client.ts";
import { sessionKey, storedSession, storedUser, userKey } from "./records.ts";

/**
 * Users and sessions. Passwords are stored as scrypt hashes with a random salt: scrypt is slow and
 * memory-hard on purpose, so a stolen KV dump does not give the passwords away cheaply. Tokens are random,
 * and the KV keeps only their SHA-256, so a KV dump does not give sessions away either.
 */

const KEY_LENGTH = 64;

function scryptHash(password: BinaryLike, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, { N: 16384, r: 8, p: 1 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

const tokenDigest = (token: string) => createHash("sha256").update(token).digest("hex");

export class Auth {
  constructor(
    private readonly kv: KvClient,
    private readonly sessionTtlMs: number,
  ) {}

  async register(username: string, password: string): Promise<{ username: string; createdAt: string }> {
    const salt = randomBytes(16);
    const hash = await scryptHash(password, salt);
    const user = {
      username,
      salt: salt.toString("base64"),
      hash: hash.toString("base64"),
      createdAt: new Date().toISOString(),
    };
    try {
      await this.kv.put(userKey(username), user, { ifAbsent: true });
    } catch (error) {
      if (!(error instanceof VersionConflict)) throw error;
      // A lost answer retried by the KV client also lands here: tell "mine" from "somebody else's".
      const existing = await this.kv.get(userKey(username), storedUser);
      if (existing?.value.hash !== user.hash) {
        throw problem(409, `the username '${username}' is taken`, {
          errors: [{ field: "body/username", message: "taken" }],
        });
      }
    }
    return { username, createdAt: user.createdAt };
  }

  /** A new session for these credentials; the same 401 whether the user is unknown or the password wrong. */
  async login(username: string, password: string): Promise<{ token: string; expiresAt: string }> {
    const user = await this.kv.get(userKey(username), storedUser);
    const salt = user ? Buffer.from(user.value.salt, "base64") : randomBytes(16);
    // Hash even for an unknown user: answering faster would tell who has an account.
    const hash = await scryptHash(password, salt);
    if (!user || !timingSafeEqual(hash, Buffer.from(user.value.hash, "base64"))) {
      throw problem(401, "unknown username or wrong password");
    }
    const token = randomBytes(32).toString("base64url");
    const expiresAt = Date.now() + this.sessionTtlMs;
    try {
      await this.kv.put(sessionKey(tokenDigest(token)), { username, expiresAt }, { ifAbsent: true });
    } catch (error) {
      // 32 random bytes never collide: a conflict means our own write landed and its answer was lost.
      if (!(error instanceof VersionConflict)) throw error;
    }
    return { token, expiresAt: new Date(expiresAt).toISOString() };
  }

  async logout(headers: Record<string, string | string[] | undefined>): Promise<void> {
    const { key } = await this.session(headers);
    await this.kv.delete(key);
  }

  /** The username behind the request's bearer token; 401 when there is none or it expired. */
  async authenticate(headers: Record<string, string | string[] | undefined>): Promise<string> {
    return (await this.session(headers)).username;
  }

  private async session(headers: Record<string, string | string[] | undefined>) {
    const token = bearerToken(headers);
    if (token === undefined) {
      throw problem(401, "log in first: send Authorization: Bearer <token>", {
        headers: { "www-authenticate": 'Bearer realm="petstore"' },
      });
    }
    const key = sessionKey(tokenDigest(token));
    const session = await this.kv.get(key, storedSession);
    if (!session) throw problem(401, "this token is not valid (unknown, or logged out)");
    if (session.value.expiresAt <= Date.now()) {
      await this.kv.delete(key);
      throw problem(401, "this token has expired; log in again");
    }
    return { key, username: session.value.username };
  }
}
