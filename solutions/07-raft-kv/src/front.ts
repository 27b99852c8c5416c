// Lab 01's HTTP API in front of the replicated store, so that Lab 01's clients (and curl) work against
// any server of the cluster: PUT/GET/DELETE /kv/:key with If-Match, POST /kv. Each request becomes one
// operation run by a clerk of this process (clerk-pool.ts), which finds the leader wherever it is. Two
// things Lab 01 has are not here: listing (a read of many keys is not one of the store's operations) and
// If-None-Match (the operations know If-Match only); both answer 501 with a problem that says so.
import { randomUUID } from "node:crypto";
import { parseCondition } from "@distlab/lab/01-kv/app.ts";
import { entrySchema, keyParams, problemSchema, valueBody, writeResult } from "@distlab/lab/01-kv/schemas.ts";
import { createService, problem, type ServiceApp } from "@distlab/kit/service";
import type { Logger } from "pino";
import { z } from "zod";
import type { Outcome } from "./clerk-pool.ts";
import type { Operation, Result } from "./messages.ts";

export interface FrontDeps {
  /** Runs one operation on the replicated store (through a clerk). */
  run(op: Operation): Promise<Outcome>;
  maxValueBytes: number;
  /** What GET /raft/status shows: this server's view of the cluster. */
  status(): Record<string, unknown>;
  logger?: Logger;
}

const errors = {
  400: problemSchema,
  404: problemSchema,
  412: problemSchema,
  413: problemSchema,
  501: problemSchema,
  503: problemSchema,
};

/** Largest request body the front accepts, in bytes; larger bodies get 413. */
export const FRONT_BODY_LIMIT = 1024 * 1024;

/** The result, or a 503 saying the store could not tell in time whether the operation took effect. */
export async function resultOf(deps: FrontDeps, op: Operation): Promise<Result> {
  const outcome = await deps.run(op);
  if ("result" in outcome) return outcome.result;
  const maybe = op.op === "get" ? "" : " It may or may not have taken effect: read the key to find out.";
  throw problem(503, `the cluster did not answer in time (no leader reachable?).${maybe}`, {
    headers: { "retry-after": "1" },
  });
}

export function ifMatchOf(headers: Record<string, string | string[] | undefined>): number | undefined {
  const condition = parseCondition(headers);
  if (condition.ifAbsent) {
    throw problem(501, "If-None-Match is not supported by the replicated store: use If-Match with a version", {
      errors: [{ field: "headers/if-none-match", message: "not supported here" }],
    });
  }
  return condition.ifMatch;
}

function checkValueSize(value: string, maxValueBytes: number): void {
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > maxValueBytes) {
    throw problem(413, `value is ${bytes} bytes; the limit is ${maxValueBytes}`, {
      errors: [{ field: "body/value", message: `at most ${maxValueBytes} bytes` }],
    });
  }
}

export function versionOrMismatch(key: string, result: Result): number {
  if ("mismatch" in result) {
    const detail =
      result.mismatch === null ? `key '${key}' does not exist` : `key '${key}' is at version ${result.mismatch}`;
    throw problem(412, detail, { extensions: { currentVersion: result.mismatch } });
  }
  return (result as { version: number }).version;
}

export async function buildFrontApp(deps: FrontDeps): Promise<ServiceApp> {
  const app = await createService({
    name: "raft-kv",
    description: "Lab 07: Lab 01's key-value API on a Raft cluster; any server answers",
    bodyLimit: FRONT_BODY_LIMIT,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });

  app.put(
    "/kv/:key",
    { schema: { params: keyParams, body: valueBody, response: { 200: writeResult, ...errors } } },
    async (request) => {
      const { key } = request.params;
      checkValueSize(request.body.value, deps.maxValueBytes);
      const ifMatch = ifMatchOf(request.headers);
      const op: Operation = {
        op: "put",
        key,
        value: request.body.value,
        ...(ifMatch === undefined ? {} : { ifMatch }),
      };
      return { key, version: versionOrMismatch(key, await resultOf(deps, op)) };
    },
  );

  app.post(
    "/kv",
    { schema: { body: valueBody, response: { 201: writeResult, ...errors } } },
    async (request, reply) => {
      checkValueSize(request.body.value, deps.maxValueBytes);
      const key = randomUUID();
      const version = versionOrMismatch(key, await resultOf(deps, { op: "put", key, value: request.body.value }));
      return reply.code(201).header("location", `/kv/${key}`).send({ key, version });
    },
  );

  app.get(
    "/kv/:key",
    { schema: { params: keyParams, response: { 200: entrySchema, ...errors } } },
    async (request, reply) => {
      const { key } = request.params;
      const result = (await resultOf(deps, { op: "get", key })) as { value: string | null; version: number | null };
      if (result.value === null || result.version === null) throw problem(404, `no key '${key}'`);
      return reply.header("etag", `"${result.version}"`).send({ key, value: result.value, version: result.version });
    },
  );

  app.delete(
    "/kv/:key",
    { schema: { params: keyParams, response: { 204: z.null().describe("deleted"), ...errors } } },
    async (request, reply) => {
      const { key } = request.params;
      const ifMatch = ifMatchOf(request.headers);
      const result = await resultOf(deps, { op: "delete", key, ...(ifMatch === undefined ? {} : { ifMatch }) });
      versionOrMismatch(key, result);
      if (!(result as { deleted: boolean }).deleted) throw problem(404, `no key '${key}'`);
      return reply.code(204).send(null);
    },
  );

  app.get("/kv", { schema: { response: { ...errors } } }, async () => {
    throw problem(501, "listing keys is not an operation of the replicated store (Lab 07); read keys one by one");
  });

  app.get("/raft/status", { schema: { hide: true } }, async () => deps.status());
  return app;
}
