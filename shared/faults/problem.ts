/** RFC 9457 problem details, the kit's error shape at every HTTP edge. */
import type { ServerResponse } from "node:http";

export interface Problem {
  status: number;
  title: string;
  detail: string;
  /** For invalid input: each offending field and what is wrong with it. */
  errors?: { field: string; message: string }[];
}

/** Answers with a problem+json body, or cuts the connection if a response already started. */
export function sendProblem(res: ServerResponse, problem: Problem): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ type: "about:blank", ...problem });
  res.writeHead(problem.status, { "content-type": "application/problem+json" }).end(body);
}
