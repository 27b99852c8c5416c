// The live cluster's HTTP face: Lab 01's key-value contract (keys, values, versions, If-Match) in front of
// the replicated store, plus /cluster to see the view and to kill or restart a node during a demo or test.
import { createService, problem, type ServiceApp } from "@distlab/kit/service";
import { keyParams, valueBody } from "@distlab/lab/01-kv/schemas.ts";
import type { Logger } from "pino";
import { z } from "zod";
import type { Operation, Result } from "../messages.ts";
import { OperationTimeout } from "./client-pool.ts";
import type { Cluster } from "./cluster.ts";

const readQuery = z.strictObject({
  via: z.enum(["cache", "primary"]).default("cache").describe("read through the cache (if any) or from the primary"),
});
const nodeParams = z.strictObject({ id: z.string().min(1) });

function ifMatch(headers: Record<string, string | string[] | undefined>): number | undefined {
  const raw = headers["if-match"];
  if (raw === undefined) return undefined;
  const match = typeof raw === "string" ? /^\s*"?(\d{1,15})"?\s*$/.exec(raw) : null;
  if (!match)
    throw problem(400, "If-Match must be one version number, e.g. If-Match: 3", {
      errors: [{ field: "headers/if-match", message: "expected a version number" }],
    });
  return Number(match[1]);
}

export async function buildFront(cluster: Cluster, logger?: Logger): Promise<ServiceApp> {
  const app = await createService({
    name: "pb-cluster",
    description: "Lab 05: a key-value store replicated primary → backup, with a look-aside cache",
    ...(logger ? { logger } : {}),
  });
  const run = async (op: Operation, readViaCache = true): Promise<Result> => {
    try {
      return await cluster.run(op, readViaCache);
    } catch (error) {
      if (error instanceof OperationTimeout) throw problem(503, error.message);
      throw error;
    }
  };
  const refused = (result: Result, key: string) => {
    if ("mismatch" in result)
      throw problem(
        412,
        result.mismatch === null ? `key '${key}' does not exist` : `key '${key}' is at version ${result.mismatch}`,
        {
          extensions: { currentVersion: result.mismatch },
        },
      );
  };

  app.get("/kv/:key", { schema: { params: keyParams, querystring: readQuery } }, async (request) => {
    const { key } = request.params;
    const result = (await run({ op: "get", key }, request.query.via === "cache")) as {
      value: string | null;
      version: number | null;
    };
    if (result.value === null) throw problem(404, `no key '${key}'`);
    return { key, value: result.value, version: result.version };
  });

  app.put("/kv/:key", { schema: { params: keyParams, body: valueBody } }, async (request) => {
    const { key } = request.params;
    const condition = ifMatch(request.headers);
    const result = await run({
      op: "put",
      key,
      value: request.body.value,
      ...(condition === undefined ? {} : { ifMatch: condition }),
    });
    refused(result, key);
    return { key, version: (result as { version: number }).version };
  });

  app.post("/kv/:key/append", { schema: { params: keyParams, body: valueBody } }, async (request) => {
    const { key } = request.params;
    const result = await run({ op: "append", key, value: request.body.value });
    return { key, version: (result as { version: number }).version };
  });

  app.delete("/kv/:key", { schema: { params: keyParams } }, async (request, reply) => {
    const { key } = request.params;
    const condition = ifMatch(request.headers);
    const result = await run({ op: "delete", key, ...(condition === undefined ? {} : { ifMatch: condition }) });
    refused(result, key);
    if (!(result as { deleted: boolean }).deleted) throw problem(404, `no key '${key}'`);
    return reply.code(204).send();
  });

  app.get("/cluster", async () => cluster.status());

  app.post("/cluster/nodes/:id/kill", { schema: { params: nodeParams } }, async (request) => {
    const { id } = request.params;
    if (!cluster.has(id)) throw problem(404, `no node '${id}' in this cluster`);
    await cluster.kill(id);
    return { killed: id };
  });

  app.post("/cluster/nodes/:id/restart", { schema: { params: nodeParams } }, async (request) => {
    const { id } = request.params;
    if (!cluster.has(id)) throw problem(404, `no node '${id}' in this cluster`);
    try {
      await cluster.restart(id);
    } catch (error) {
      throw problem(409, (error as Error).message);
    }
    return { restarted: id };
  });

  return app;
}
