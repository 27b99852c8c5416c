import { randomUUID } from "node:crypto";
import { createService, problem, type ServiceApp } from "@distlab/kit/service";
import type { Logger } from "pino";
import { Gauge } from "prom-client";
import { z } from "zod";
import { entrySchema, keyParams, listQuery, pageSchema, problemSchema, valueBody, writeResult } from "./schemas.ts";
import { VersionMismatch, type Condition, type Store } from "./store.ts";
import { todo } from "@distlab/kit/service";

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
      return todo("TODO(lab01 §5): PUT: check the value's size and the precondition, store it, answer its version — see labs/01-kv/README.md, step 5");
    },
  );

  app.post(
    "/kv",
    { schema: { body: valueBody, response: { 201: writeResult, ...errors } } },
    async (request, reply) => {
      return todo("TODO(lab01 §5): POST: generate a key nobody has, store the value, answer 201 with a Location — see labs/01-kv/README.md, step 5");
    },
  );

  app.get(
    "/kv/:key",
    { schema: { params: keyParams, response: { 200: entrySchema, ...errors } } },
    async (request, reply) => {
      return todo("TODO(lab01 §5): GET: the value and its version, or 404 — see labs/01-kv/README.md, step 5");
    },
  );

  app.delete(
    "/kv/:key",
    { schema: { params: keyParams, response: { 204: z.null().describe("deleted"), ...errors } } },
    async (request, reply) => {
      return todo("TODO(lab01 §5): DELETE: 204 when the key was there, 404 when not — see labs/01-kv/README.md, step 5");
    },
  );

  app.get("/kv", { schema: { querystring: listQuery, response: { 200: pageSchema, ...errors } } }, async (request) => {
    return todo("TODO(lab01 §6): LIST: one sorted page after the cursor, and the cursor of the next page — see labs/01-kv/README.md, step 6");
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
  return todo("TODO(lab01 §4): turn If-Match / If-None-Match into a condition, refusing malformed headers — see labs/01-kv/README.md, step 4");
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
