import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";
import { HttpProblem, PROBLEM_CONTENT_TYPE, TodoError, statusTitle, type FieldError, type Problem } from "./problem.ts";

/** fastify's own client-error codes, answered as problems with the status fastify chose. */
const FRAMEWORK_CLIENT_ERRORS: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: "the body is not valid JSON",
  FST_ERR_CTP_EMPTY_JSON_BODY: "the body is empty but the content type says JSON",
  FST_ERR_CTP_BODY_TOO_LARGE: "the body is larger than this service accepts",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "this content type is not accepted; send application/json",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "the content-length header does not match the body",
  FST_ERR_CTP_INVALID_TYPE: "the content-type header is not a valid media type",
};

function joinPath(...parts: (string | undefined)[]): string {
  return parts.filter((part) => part !== undefined && part !== "").join("/");
}

function validationProblem(error: FastifyError): Problem {
  const context = (error as FastifyError & { validationContext?: string }).validationContext ?? "body";
  const errors: FieldError[] = [];
  if (hasZodFastifySchemaValidationErrors(error)) {
    for (const issue of error.validation) {
      const path = issue.instancePath.replace(/^\//, "");
      const keys = (issue.params as { keys?: unknown }).keys;
      const unknownKeys = issue.keyword === "unrecognized_keys" && Array.isArray(keys) ? keys.map(String) : [];
      if (unknownKeys.length > 0) {
        for (const key of unknownKeys) errors.push({ field: joinPath(context, path, key), message: "unknown field" });
      } else {
        errors.push({ field: joinPath(context, path), message: issue.message ?? "invalid value" });
      }
    }
  }
  const detail = errors.map((e) => `${e.field}: ${e.message}`).join("; ") || error.message;
  return { type: "about:blank", title: statusTitle(400), status: 400, detail, errors };
}

function toProblem(error: FastifyError, request: FastifyRequest): { problem: Problem; log: boolean } {
  const instance = request.url;
  if (error instanceof HttpProblem) return { problem: error.toProblem(instance), log: false };
  if (error instanceof TodoError) {
    return {
      problem: { type: "about:blank", title: statusTitle(501), status: 501, detail: error.message, instance },
      log: false,
    };
  }
  if (error.validation) return { problem: { ...validationProblem(error), instance }, log: false };
  const known = error.code ? FRAMEWORK_CLIENT_ERRORS[error.code] : undefined;
  if (known !== undefined && error.statusCode !== undefined && error.statusCode < 500) {
    const status = error.statusCode;
    return {
      problem: { type: "about:blank", title: statusTitle(status), status, detail: known, instance },
      log: false,
    };
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    const status = error.statusCode;
    return {
      problem: { type: "about:blank", title: statusTitle(status), status, detail: error.message, instance },
      log: false,
    };
  }
  const detail = isResponseSerializationError(error)
    ? "the service built a response that does not match its own schema"
    : "the service failed while answering; see its log";
  return { problem: { type: "about:blank", title: statusTitle(500), status: 500, detail, instance }, log: true };
}

export function sendProblem(reply: FastifyReply, problem: Problem, headers: Record<string, string> = {}) {
  return reply.code(problem.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/** Every error becomes a problem+json answer: bad input names the field, a crash in a handler is a 500. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { problem, log } = toProblem(error, request);
    if (log) request.log.error({ err: error }, "request failed");
    const headers = error instanceof HttpProblem ? error.headers : {};
    return sendProblem(reply, problem, headers);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      type: "about:blank",
      title: statusTitle(404),
      status: 404,
      detail: `no route for ${request.method} ${request.url.split("?")[0]}`,
      instance: request.url,
    }),
  );
}
