// Operations on the replicated store, with Lab 01's rules (versions from one store-wide revision, the
// compare-and-set condition), and at-most-once execution of clients' requests.
import {
  applyRecord,
  checkCondition,
  lookup,
  nextRevision,
  VersionMismatch,
  type Keyspace,
} from "@distlab/lab/01-kv/keyspace.ts";
import type { Operation, Request, Result, Sessions } from "./messages.ts";
import { getOwn, setOwn } from "./records.ts";

/** Runs one operation on the keyspace (Lab 01's semantics) and returns its result. Deterministic. */
export function applyOperation(keyspace: Keyspace, op: Operation): Result {
  const current = lookup(keyspace, op.key);
  if (op.op === "get") return { value: current?.value ?? null, version: current?.version ?? null };
  try {
    checkCondition(keyspace, op.key, op.op === "append" || op.ifMatch === undefined ? {} : { ifMatch: op.ifMatch });
  } catch (error) {
    if (error instanceof VersionMismatch) return { mismatch: error.current };
    throw error;
  }
  const version = nextRevision(keyspace);
  if (op.op === "delete") {
    if (current === undefined) return { deleted: false };
    applyRecord(keyspace, { op: "delete", key: op.key, version });
    return { deleted: true };
  }
  const value = op.op === "append" ? (current?.value ?? "") + op.value : op.value;
  applyRecord(keyspace, { op: "put", key: op.key, value, version });
  return { version };
}

// ---- Step 5: at-most-once -----------------------------------------------------------------------------

/**
 * Executes a request unless it already was: a retry of the client's last request gets the result it had
 * the first time, without running again. Returns null for a request older than the client's last one (a
 * stale duplicate nobody waits for any more).
 */
export function executeOnce(keyspace: Keyspace, sessions: Sessions, request: Request): Result | null {
  // @solution §5 "answer a retry from the session; execute a new request and remember its result"
  const session = getOwn(sessions, request.client);
  if (session !== undefined && session.seq > request.seq) return null;
  if (session !== undefined && session.seq === request.seq) return session.result;
  const result = applyOperation(keyspace, request.op);
  setOwn(sessions, request.client, { seq: request.seq, result });
  return result;
  // @end
}
