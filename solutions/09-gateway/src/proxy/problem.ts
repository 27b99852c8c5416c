import type { OutgoingResponse } from "@distlab/kit/http-engine";
import { HttpProblem, PROBLEM_CONTENT_TYPE } from "@distlab/kit/service";

/**
 * The gateway's own answers are RFC 9457 problem+json, like every kit service's: a client can tell a
 * refusal by the gateway (401, 429, 503 from an open breaker, 504) from an upstream's answer by its body,
 * and every one carries the request id.
 */
export function sendProblem(
  response: OutgoingResponse,
  status: number,
  detail: string,
  options: { requestId?: string; instance?: string; headers?: Record<string, string> } = {},
): void {
  const problem = new HttpProblem(status, detail, {
    ...(options.requestId === undefined ? {} : { extensions: { requestId: options.requestId } }),
  }).toProblem(options.instance);
  const body = JSON.stringify(problem);
  response.writeHead(status, {
    ...options.headers,
    ...(options.requestId === undefined ? {} : { "x-request-id": options.requestId }),
    "content-type": PROBLEM_CONTENT_TYPE,
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}
