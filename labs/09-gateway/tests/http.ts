import { request as rawRequest } from "node:http";
import { Agent, request } from "undici";

/** HTTP as the tests speak it: every answer, errors included, as status, headers and body. */

const agent = new Agent({ connections: 256, keepAliveTimeout: 2_000 });

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A JSON body (sets content-type) or a raw string. */
  json?: unknown;
  body?: string;
  /** Give up after this long; the failure says so. */
  timeoutMs?: number;
}

export async function send(base: string, path: string, options: SendOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers["content-type"] ??= "application/json";
  }
  const timeout = options.timeoutMs ?? 20_000;
  const method = options.method ?? "GET";
  let response;
  try {
    response = await request(`${base}${path}`, {
      method,
      headers,
      body,
      dispatcher: agent,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
  } catch (error) {
    throw new Error(`${method} ${path}: no answer within ${timeout} ms (${(error as Error).message})`, {
      cause: error,
    });
  }
  const text = await response.body.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, text, json };
}

/** An answer in a failure message. */
export function show(answer: Answer): string {
  return `HTTP ${answer.status} ${answer.text.slice(0, 400)}`;
}

/**
 * A request whose target is sent exactly as written (URL parsers would resolve "/a/../b" before sending),
 * with node:http and no keep-alive.
 */
export function sendRaw(base: string, target: string, headers: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = rawRequest(
      { host: url.hostname, port: url.port, path: target, method: "GET", headers, agent: false, timeout: 20_000 },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${target}: no answer within 20 s`)));
    req.on("error", reject);
    req.end();
  });
}
