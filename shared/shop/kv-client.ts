import { Agent } from "undici";
import type { z } from "zod";
import { problemDetail, requestJson, throwIfUnavailable, type JsonReply } from "./http-json.ts";

/**
 * A typed client for Lab 01's KV store, over HTTP. Both services keep all their state through it: values
 * are JSON documents checked by a zod schema on the way in, and every write is a compare-and-set.
 *
 * Every request goes through the resilient call the client is given (Lab 02's `callWithRetry`), as an
 * idempotent one. Reads are. The writes are too, because they are all conditional: if a write succeeded but
 * its answer was lost, the retry finds the version moved and gets a 412 (`VersionConflict`), and the caller
 * re-reads and sees its own write. Never an unconditional PUT or a POST: those would apply twice.
 */

/**
 * Sends one request with deadlines and retries: `attempt` makes one try, aborted by `signal`; a 502/503/504
 * answer arrives as a thrown `UnavailableAnswer`, so the resilient call sees it as a failed attempt.
 */
export type ResilientCall = <T>(attempt: (signal: AbortSignal) => Promise<T>) => Promise<T>;

export interface Versioned<T> {
  value: T;
  version: number;
}

/** Write only if the key is at this version, or only if it does not exist. */
export type Condition = { ifMatch: number } | { ifAbsent: true };

/** The KV answered 412: the key is not at the version the write expected. */
export class VersionConflict extends Error {
  constructor(
    readonly key: string,
    readonly currentVersion: number | null,
  ) {
    super(`key '${key}' changed meanwhile (now at version ${currentVersion ?? "none"})`);
    this.name = "VersionConflict";
  }
}

export class KvClient {
  private readonly base: string;
  private readonly dispatcher = new Agent({ connections: 64, keepAliveTimeout: 2000 });

  constructor(
    url: string,
    private readonly send: ResilientCall,
  ) {
    this.base = url.replace(/\/+$/, "");
  }

  async get<S extends z.ZodType>(key: string, schema: S): Promise<Versioned<z.output<S>> | undefined> {
    const reply = await this.call("GET", `/kv/${key}`);
    if (reply.status === 404) return undefined;
    const entry = this.expect(reply, 200, `GET ${key}`) as { value: string; version: number };
    return { value: decode(key, entry.value, schema), version: entry.version };
  }

  /** Stores `value` as JSON under the condition; returns the new version or throws `VersionConflict`. */
  async put(key: string, value: unknown, condition: Condition): Promise<number> {
    const headers: Record<string, string> =
      "ifMatch" in condition ? { "if-match": String(condition.ifMatch) } : { "if-none-match": "*" };
    const reply = await this.call("PUT", `/kv/${key}`, { value: JSON.stringify(value) }, headers);
    if (reply.status === 412) throw new VersionConflict(key, currentVersion(reply));
    return (this.expect(reply, 200, `PUT ${key}`) as { version: number }).version;
  }

  /** Deletes the key (at this version, if given); false when it was not there. */
  async delete(key: string, condition?: { ifMatch: number }): Promise<boolean> {
    const headers: Record<string, string> = condition ? { "if-match": String(condition.ifMatch) } : {};
    const reply = await this.call("DELETE", `/kv/${key}`, undefined, headers);
    if (reply.status === 404) return false;
    if (reply.status === 412) throw new VersionConflict(key, currentVersion(reply));
    this.expect(reply, 204, `DELETE ${key}`);
    return true;
  }

  /** One page of keys starting with `prefix`, in key order; `next` continues after it, null at the end. */
  async list<S extends z.ZodType>(
    prefix: string,
    schema: S,
    page: { limit: number; cursor?: string | null },
  ): Promise<{ items: (Versioned<z.output<S>> & { key: string })[]; next: string | null }> {
    const query = new URLSearchParams({ prefix, limit: String(page.limit) });
    if (page.cursor) query.set("cursor", page.cursor);
    const reply = await this.call("GET", `/kv?${query}`);
    const body = this.expect(reply, 200, `list ${prefix}`) as {
      items: { key: string; value: string; version: number }[];
      next: string | null;
    };
    return {
      items: body.items.map((item) => ({
        key: item.key,
        value: decode(item.key, item.value, schema),
        version: item.version,
      })),
      next: body.next,
    };
  }

  /**
   * Read-modify-write with compare-and-set, again on every conflict. `change` gets the current value
   * (undefined when absent) and returns the value to store, or undefined to store nothing; it may throw to
   * give up. Resolves to what the key holds afterwards.
   */
  async update<S extends z.ZodType>(
    key: string,
    schema: S,
    change: (current: z.output<S> | undefined) => z.output<S> | undefined,
  ): Promise<Versioned<z.output<S>> | undefined> {
    for (let tries = 0; tries < 100; tries++) {
      const current = await this.get(key, schema);
      const next = change(current?.value);
      if (next === undefined) return current;
      try {
        const version = await this.put(key, next, current ? { ifMatch: current.version } : { ifAbsent: true });
        return { value: next, version };
      } catch (error) {
        if (!(error instanceof VersionConflict)) throw error;
      }
    }
    throw new Error(`gave up updating '${key}' after 100 conflicting writes`);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private call(method: "GET" | "PUT" | "DELETE", path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.send(async (signal) =>
      throwIfUnavailable(
        await requestJson(`${this.base}${path}`, { method, body, headers, signal, dispatcher: this.dispatcher }),
      ),
    );
  }

  private expect(reply: JsonReply, status: number, what: string): unknown {
    if (reply.status !== status) throw new Error(`KV ${what} answered ${reply.status}: ${problemDetail(reply)}`);
    return reply.body;
  }
}

function currentVersion(reply: JsonReply): number | null {
  const current = (reply.body as { currentVersion?: unknown } | undefined)?.currentVersion;
  return typeof current === "number" ? current : null;
}

function decode<S extends z.ZodType>(key: string, text: string, schema: S): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`KV key '${key}' does not hold JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new Error(`KV key '${key}' holds an unexpected document: ${parsed.error.message}`);
  return parsed.data;
}
