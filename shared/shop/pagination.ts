import { problem } from "@distlab/kit/service";
import { z } from "zod";
import type { KvClient } from "./kv-client.ts";

/**
 * Cursor pagination over a KV prefix, with a filter. A filter can drop items, so one page of ours may span
 * several KV pages, and end in the middle of one. Our cursor therefore says: "the KV page that starts at
 * this KV cursor, after this key". Keys, not positions: items added meanwhile shift nothing.
 */

const cursorSchema = z.strictObject({ kv: z.string().nullable(), after: z.string() });
type Cursor = z.infer<typeof cursorSchema>;

/** KV pages are read this many items at a time; a filter that keeps few items costs few round trips. */
const SCAN_BATCH = 100;

export async function filteredPage<S extends z.ZodType, T>(
  kv: KvClient,
  prefix: string,
  schema: S,
  page: { limit: number; cursor?: string | undefined },
  keep: (value: z.output<S>) => T | undefined,
): Promise<{ items: T[]; next: string | null }> {
  const start = page.cursor === undefined ? { kv: null, after: "" } : decodeCursor(page.cursor);
  const items: T[] = [];
  let kvCursor = start.kv;
  let after = start.after;
  for (;;) {
    const batch = await kv.list(prefix, schema, { limit: SCAN_BATCH, cursor: kvCursor });
    for (const [index, entry] of batch.items.entries()) {
      if (entry.key <= after) continue;
      const kept = keep(entry.value);
      if (kept !== undefined) items.push(kept);
      if (items.length === page.limit) {
        const more = index < batch.items.length - 1 || batch.next !== null;
        return { items, next: more ? encodeCursor({ kv: kvCursor, after: entry.key }) : null };
      }
    }
    if (batch.next === null) return { items, next: null };
    kvCursor = batch.next;
    after = "";
  }
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), "utf8").toString("base64url");
}

function decodeCursor(text: string): Cursor {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(text, "base64url").toString("utf8")));
  } catch {
    throw problem(400, "cursor is not one this service gave out", {
      errors: [{ field: "querystring/cursor", message: "unknown cursor" }],
    });
  }
}
