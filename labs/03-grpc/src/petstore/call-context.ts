import { problem, type ServiceApp } from "@distlab/kit/service";
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

/**
 * The call context: what a call to Payment carries over from the PetStore request it serves — the
 * request's deadline and its id. Lab 02's checkout does not pass it along by hand: PetStore serves each
 * request inside its context (an AsyncLocalStorage, the mechanism OpenTelemetry uses to carry a trace
 * through async code), and Payment's gRPC client reads it where it makes the call.
 */

export interface CallContext {
  /** When the PetStore request must be answered (epoch ms): the call to Payment must be over by then. */
  deadline: number;
  /** The request's id, sent along so that both services' logs can be joined. */
  requestId: string;
}

const REQUEST_ID = /^[A-Za-z0-9._~:-]{1,128}$/;
const contexts = new AsyncLocalStorage<CallContext>();

/**
 * The context of a PetStore request that arrived at `receivedAt`: its deadline is `budgetMs` later, or
 * sooner when the caller asks with `x-request-timeout-ms`; its id is the caller's `x-request-id`, or a
 * fresh one.
 */
export function callContextOf(
  headers: Record<string, string | string[] | undefined>,
  receivedAt: number,
  budgetMs: number,
): CallContext {
  const timeout = headers["x-request-timeout-ms"];
  let budget = budgetMs;
  if (timeout !== undefined) {
    const asked = Number(timeout);
    if (typeof timeout !== "string" || !Number.isInteger(asked) || asked < 1) {
      throw problem(400, "x-request-timeout-ms must be a positive integer (milliseconds)", {
        errors: [{ field: "headers/x-request-timeout-ms", message: "expected a positive integer" }],
      });
    }
    budget = Math.min(budget, asked);
  }
  const id = headers["x-request-id"];
  return {
    deadline: receivedAt + budget,
    requestId: typeof id === "string" && REQUEST_ID.test(id) ? id : randomUUID(),
  };
}

/** Serves every request of `app` inside its call context: `budgetMs` is the longest a request may take. */
export function propagateCallContext(app: ServiceApp, budgetMs: number): void {
  app.addHook("preHandler", (request, reply, done) => {
    const receivedAt = Date.now() - Math.round(reply.elapsedTime);
    contexts.run(callContextOf(request.headers, receivedAt, budgetMs), done);
  });
}

/** The context of the request being served; outside any request, a fresh one that allows `budgetMs`. */
export function currentCallContext(budgetMs: number): CallContext {
  return contexts.getStore() ?? { deadline: Date.now() + budgetMs, requestId: randomUUID() };
}
