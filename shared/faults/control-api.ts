/**
 * The HTTP control API, so that another process (a demo script, the dashboard) can drive a proxy:
 *
 *   GET    /_faults/rules        200 { rules: [...] }
 *   POST   /_faults/rules        201 the stored rule (JSON body: one rule, as for addRule)
 *   DELETE /_faults/rules        204 every rule removed
 *   DELETE /_faults/rules/:id    204, or 404 when there is no such rule
 *   GET    /_faults/stats        200 the proxy's counters
 *
 * Errors are RFC 9457 problem+json; a refused rule answers 400 with `errors: [{ field, message }]`.
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendProblem } from "./problem.ts";
import { FaultRuleError } from "./rules.ts";
import { listen } from "./servers.ts";
import type { Listening } from "./servers.ts";

export const CONTROL_PREFIX = "/_faults";

const MAX_BODY_BYTES = 64 * 1024;

/** What the control API needs from a proxy. */
export interface RuleControl {
  addRule(input: unknown): { id: string };
  removeRule(id: string): boolean;
  clearRules(): void;
  rules(): unknown[];
  stats(): unknown;
}

/** True when the request is for the control API rather than for the upstream. */
export function isControlPath(url: string | undefined): boolean {
  const path = pathOf(url);
  return path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`);
}

export function createControlHandler(control: RuleControl): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(control, req, res).catch((error: unknown) => {
      sendProblem(res, { status: 500, title: "Internal error", detail: String(error) });
    });
  };
}

async function route(control: RuleControl, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = pathOf(req.url);
  const method = req.method ?? "GET";
  if (path === `${CONTROL_PREFIX}/rules`) {
    if (method === "GET") return sendJson(res, 200, { rules: control.rules() });
    if (method === "DELETE") {
      control.clearRules();
      return sendEmpty(res, 204);
    }
    if (method === "POST") return addRule(control, req, res);
    return sendMethodNotAllowed(res, "GET, POST, DELETE");
  }
  const ruleId = path.startsWith(`${CONTROL_PREFIX}/rules/`)
    ? path.slice(`${CONTROL_PREFIX}/rules/`.length)
    : undefined;
  if (ruleId !== undefined && ruleId !== "" && !ruleId.includes("/")) {
    if (method !== "DELETE") return sendMethodNotAllowed(res, "DELETE");
    const id = decodeURIComponent(ruleId);
    if (control.removeRule(id)) return sendEmpty(res, 204);
    return sendProblem(res, { status: 404, title: "No such rule", detail: `there is no rule with id "${id}"` });
  }
  if (path === `${CONTROL_PREFIX}/stats`) {
    if (method === "GET") return sendJson(res, 200, control.stats());
    return sendMethodNotAllowed(res, "GET");
  }
  sendProblem(res, {
    status: 404,
    title: "Not found",
    detail: `${path} is not part of the control API; see ${CONTROL_PREFIX}/rules and ${CONTROL_PREFIX}/stats`,
  });
}

async function addRule(control: RuleControl, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  if (body === undefined) {
    return sendProblem(res, {
      status: 413,
      title: "Body too large",
      detail: `a rule is at most ${MAX_BODY_BYTES} bytes`,
    });
  }
  let input: unknown;
  try {
    input = JSON.parse(body.toString("utf8"));
  } catch (error) {
    return sendInvalid(res, [{ field: "(body)", message: `not valid JSON: ${(error as Error).message}` }]);
  }
  try {
    const rule = control.addRule(input);
    res.setHeader("location", `${CONTROL_PREFIX}/rules/${encodeURIComponent(rule.id)}`);
    sendJson(res, 201, rule);
  } catch (error) {
    if (error instanceof FaultRuleError) return sendInvalid(res, error.issues);
    throw error;
  }
}

/** The whole body, or undefined when it is larger than the limit. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function sendInvalid(res: ServerResponse, errors: { field: string; message: string }[]): void {
  sendProblem(res, {
    status: 400,
    title: "Invalid fault rule",
    detail: errors.map((error) => `${error.field}: ${error.message}`).join("; "),
    errors,
  });
}

function sendMethodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader("allow", allow);
  sendProblem(res, { status: 405, title: "Method not allowed", detail: `use ${allow}` });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
}

function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status).end();
}

function pathOf(url: string | undefined): string {
  const path = (url ?? "/").split("?", 1)[0] ?? "/";
  return path;
}

/** Serves the control API on a port of its own. */
export async function startControlServer(control: RuleControl, port: number, host: string): Promise<Listening> {
  return listen(createServer(createControlHandler(control)), port, host);
}
