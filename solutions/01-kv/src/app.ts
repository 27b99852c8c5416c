import { randomUUID } from "node:crypto";
import { createService, problem, type ServiceApp } from "@distlab/kit/service";
import type { Logger } from "pino";
import { Gauge } from "prom-client";
import { z } from "zod";
import { entrySchema, keyParams, listQuery, pageSchema, problemSchema, valueBody, writeResult } from "./schemas.ts";
import { VersionMismatch, type Condition, type Store } from "./store.ts";

export interface KvDeps {
  store: Store;
  /** Largest value accepted, in UTF-8 bytes; larger ones get 413. */
  maxValueBytes: number;
  logger?: Logger;
}

/** The HTTP face of the store. Every route's schema is its contract and its documentation at /docs. */
export async function buildApp({ store, maxValueBytes, logger }: KvDeps): Promise<ServiceApp> {
  const app = await createService({
    name: "kv",
    description: "Lab 01: a durable key-value store over HTTP",
    bodyLimit: 1024 * 1024,
    ...(logger ? { logger } : {}),
  });
  installStoreMetrics(app, store);
  const errors = { 400: problemSchema, 404: problemSchema, 412: problemSchema, 413: problemSchema };

  app.put(
    "/kv/:key",
    { schema: { params: keyParams, body: valueBody, response: { 200: writeResult, ...errors } } },
    async (request) => {
      // @solution §5 "PUT: check the value's size and the precondition, store it, answer its version"
      const { key } = request.params;
      checkValueSize(request.body.value, maxValueBytes);
      const entry = await orPreconditionFailed(store.put(key, request.body.value, parseCondition(request.headers)));
      return { key, version: entry.version };
      // @end
    },
  );

  app.post(
    "/kv",
    { schema: { body: valueBody, response: { 201: writeResult, ...errors } } },
    async (request, reply) => {
      // @solution §5 "POST: generate a key nobody has, store the value, answer 201 with a Location"
      checkValueSize(request.body.value, maxValueBytes);
      const key = randomUUID();
      const entry = await store.put(key, request.body.value, { ifAbsent: true });
      return reply.code(201).header("location", `/kv/${key}`).send({ key, version: entry.version });
      // @end
    },
  );

  app.get(
    "/kv/:key",
    { schema: { params: keyParams, response: { 200: entrySchema, ...errors } } },
    async (request, reply) => {
      // @solution §5 "GET: the value and its version, or 404"
      const { key } = request.params;
      const entry = await store.get(key);
      if (!entry) throw problem(404, `no key '${key}'`);
      return reply.header("etag", `"${entry.version}"`).send({ key, ...entry });
      // @end
    },
  );

  app.delete(
    "/kv/:key",
    { schema: { params: keyParams, response: { 204: z.null().describe("deleted"), ...errors } } },
    async (request, reply) => {
      // @solution §5 "DELETE: 204 when the key was there, 404 when not"
      const { key } = request.params;
      const deleted = await orPreconditionFailed(store.delete(key, parseCondition(request.headers)));
      if (!deleted) throw problem(404, `no key '${key}'`);
      return reply.code(204).send(null);
      // @end
    },
  );

  app.get("/kv", { schema: { querystring: listQuery, response: { 200: pageSchema, ...errors } } }, async (request) => {
    // @solution §6 "LIST: one sorted page after the cursor, and the cursor of the next page"
    const { prefix, limit, cursor } = request.query;
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const page = await store.list(prefix, after, limit + 1);
    const items = page.slice(0, limit).map(({ key, entry }) => ({ key, ...entry }));
    const last = items[items.length - 1];
    return { items, next: page.length > limit && last ? encodeCursor(last.key) : null };
    // @end
  });

  return app;
}

/** The store's counters on /metrics; the grader reads kv_log_fsyncs and kv_log_writes to see group commit. */
function installStoreMetrics(app: ServiceApp, store: Store): void {
  const gauges = {
    kv_keys: ["keys stored", () => store.stats.keys],
    kv_revision: ["latest revision", () => store.stats.revision],
    kv_log_bytes: ["size of the log file", () => store.stats.logBytes],
    kv_log_writes: ["records made durable", () => store.stats.writes],
    kv_log_fsyncs: ["fsync calls on the log", () => store.stats.fsyncs],
    kv_compactions: ["compactions done", () => store.stats.compactions],
  } as const;
  for (const [name, [help, read]] of Object.entries(gauges)) {
    new Gauge({
      name,
      help,
      registers: [app.metrics],
      collect() {
        this.set(read());
      },
    });
  }
}

function checkValueSize(value: string, maxValueBytes: number): void {
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > maxValueBytes) {
    throw problem(413, `value is ${bytes} bytes; the limit is ${maxValueBytes}`, {
      errors: [{ field: "body/value", message: `at most ${maxValueBytes} bytes` }],
    });
  }
}

/** Reads `If-Match: <version>` and `If-None-Match: *` into a store condition; anything else there is a 400. */
export function parseCondition(headers: Record<string, string | string[] | undefined>): Condition {
  // @solution §4 "turn If-Match / If-None-Match into a condition, refusing malformed headers"
  const condition: Condition = {};
  const ifMatch = headers["if-match"];
  if (ifMatch !== undefined) {
    const match = typeof ifMatch === "string" ? /^\s*"?(\d{1,15})"?\s*$/.exec(ifMatch) : null;
    if (!match) {
      throw problem(400, "If-Match must be one version number, e.g. If-Match: 3", {
        errors: [{ field: "headers/if-match", message: "expected a version number" }],
      });
    }
    condition.ifMatch = Number(match[1]);
  }
  const ifNoneMatch = headers["if-none-match"];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch !== "*") {
      throw problem(400, "If-None-Match only accepts *, meaning: create, never overwrite", {
        errors: [{ field: "headers/if-none-match", message: "expected *" }],
      });
    }
    condition.ifAbsent = true;
  }
  return condition;
  // @end
}

async function orPreconditionFailed<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof VersionMismatch) {
      throw problem(412, error.message, { extensions: { currentVersion: error.current } });
    }
    throw error;
  }
}

function encodeCursor(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  if (!/^[A-Za-z0-9._~:-]{1,250}$/.test(key) || encodeCursor(key) !== cursor) {
    throw problem(400, "cursor is not one this service gave out", {
      errors: [{ field: "querystring/cursor", message: "unknown cursor" }],
    });
  }
  return key;
}
