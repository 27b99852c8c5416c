// Step 5 — snapshots. Raft's log grows with every write; once it holds more than `maxLogEntries` entries,
// the server hands Raft its whole state machine — the keyspace AND the session table, or a write retried
// after a restart would run twice — up to the entry it applied last, and Raft drops the entries before it.
import { snapshot } from "@distlab/lab/06-raft/raft.ts";
import type { RaftMessage } from "@distlab/lab/06-raft/raft.ts";
import type { Env } from "@distlab/kit/sim";
import type { KvSnapshot } from "./messages.ts";
import type { KvServerState, ServerEnv } from "./server.ts";
import { todo } from "@distlab/kit/service";

/** Compacts the log when it holds more than maxLogEntries entries. */
export function maybeSnapshot(state: KvServerState, env: ServerEnv): void {
  return todo("TODO(lab07 §5): past maxLogEntries, snapshot keyspace and sessions up to the last applied entry — see labs/07-raft-kv/README.md, step 5");
}
