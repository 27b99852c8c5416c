import { call, type Method } from "@distlab/kit/test-http";
import { request as rawRequest } from "node:http";

/**
 * HTTP as the gateway's tests speak it: the kit's `call`, with any method (OPTIONS for CORS preflights)
 * and a generous default patience — a gateway under test may be waiting on a slow upstream on purpose.
 */

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
  /** Give up after this long (20 s by default); the failure says so. */
  timeoutMs?: number;
}

export async function send(base: string, path: string, options: SendOptions = {}): Promise<Answer> {
  const reply = await call(base, (options.method ?? "GET") as Method, path, {
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.json !== undefined ? { json: options.json } : {}),
    ...(options.body !== undefined ? { raw: options.body } : {}),
    timeoutMs: options.timeoutMs ?? 20_000,
  });
  return { status: reply.status, headers: reply.headers, text: reply.text, json: reply.body };
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
