import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { LogController, type FastifyInstance, type FastifyBaseLogger } from "fastify";
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { installProblemHandlers } from "./errors.ts";
import { installMetrics } from "./metrics.ts";

export interface ServiceOptions {
  /** Service name, used in logs, metrics and the OpenAPI title. */
  name: string;
  version?: string;
  description?: string;
  logger?: Logger | false;
  /** Largest request body accepted, in bytes; larger bodies get 413. */
  bodyLimit?: number;
  /** Whether the service can take traffic now; /ready answers 503 until it can. */
  ready?: () => boolean;
}

export type ServiceApp = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
> & {
  metrics: Registry;
};

/**
 * The scaffold every lab service starts from: zod-typed routes, problem+json errors, /health, /ready,
 * /metrics and OpenAPI docs at /docs. A lab adds its routes to what this returns.
 */
export async function createService(options: ServiceOptions): Promise<ServiceApp> {
  const base = Fastify({
    ...(options.logger ? { loggerInstance: options.logger as unknown as FastifyBaseLogger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 1000 },
    forceCloseConnections: "idle",
    logController: new LogController({ disableRequestLogging: true }),
  });
  // Services speak JSON only: any other body is a 415, not a string a schema then has to refuse.
  base.removeContentTypeParser("text/plain");
  base.setValidatorCompiler(validatorCompiler);
  base.setSerializerCompiler(serializerCompiler);
  installProblemHandlers(base);
  await base.register(swagger, {
    openapi: {
      info: { title: options.name, version: options.version ?? "1.0.0", description: options.description ?? "" },
    },
    transform: jsonSchemaTransform,
  });
  await base.register(swaggerUi, { routePrefix: "/docs" });
  // While closing, every answer tells the client to hang up, so keep-alive connections drain instead of
  // holding the server open until their idle timeout.
  let closing = false;
  base.addHook("preClose", async () => {
    closing = true;
    base.server.closeIdleConnections();
  });
  base.addHook("onSend", async (_request, reply, payload) => {
    if (closing) reply.header("connection", "close");
    return payload;
  });
  const metrics = installMetrics(base, options.name);
  const app = Object.assign(base.withTypeProvider<ZodTypeProvider>(), { metrics });
  app.get("/health", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/ready", { schema: { hide: true } }, async (_request, reply) => {
    const ready = options.ready ? options.ready() : true;
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "starting" });
  });
  return app;
}
