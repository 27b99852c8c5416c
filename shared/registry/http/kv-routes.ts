import { badRequest } from "../errors.ts";
import { kvEntryJson, type KvStore, type WriteOptions } from "../kv.ts";
import type { RegistryState } from "../state.ts";
import { blockingRead, type Reading } from "./blocking.ts";
import type { RequestContext, Route } from "./router.ts";

/**
 * /v1/kv/:key — GET (one key, `?recurse`, `?keys` with `?separator`, `?raw`; blocking), PUT (`?cas`,
 * `?flags`, `?acquire`, `?release`; the body is the raw value) and DELETE (`?recurse`, `?cas`). A missing
 * key or an empty listing is a 404 that still carries X-Consul-Index, so a client can block on it.
 */
export function kvRoutes(state: RegistryState, kv: KvStore): Route[] {
  return [
    {
      methods: ["GET"],
      pattern: "/v1/kv/*key",
      handler: (context) => blockingRead(state, context, readKv(kv, context)),
    },
    { methods: ["PUT", "POST"], pattern: "/v1/kv/*key", handler: (context) => ({ json: writeKv(kv, context) }) },
    {
      methods: ["DELETE"],
      pattern: "/v1/kv/*key",
      handler: (context) => ({
        json: kv.delete(context.params.key!, {
          recurse: context.flag("recurse"),
          cas: context.integer("cas", "cas index"),
        }),
      }),
    },
  ];
}

function readKv(kv: KvStore, context: RequestContext): () => Reading {
  const key = context.params.key!;
  if (context.flag("keys")) {
    const separator = context.query.get("separator") || undefined;
    return () => {
      const keys = kv.keys(key, separator);
      return { index: kv.prefixIndex(key), body: keys.length ? { json: keys } : { status: 404 } };
    };
  }
  if (context.flag("recurse")) {
    return () => {
      const entries = kv.list(key);
      return {
        index: kv.prefixIndex(key),
        body: entries.length ? { json: entries.map(kvEntryJson) } : { status: 404 },
      };
    };
  }
  if (key === "") throw badRequest("Missing key name");
  const raw = context.flag("raw");
  return () => {
    const entry = kv.get(key);
    const body = !entry
      ? { status: 404 }
      : raw
        ? { text: entry.value, contentType: "text/plain; charset=utf-8" }
        : { json: [kvEntryJson(entry)] };
    return { index: kv.tableIndex(), watch: kv.keyIndex(key), body };
  };
}

function writeKv(kv: KvStore, context: RequestContext): boolean {
  const options: WriteOptions = {};
  const flags = context.integer("flags", "flags");
  const cas = context.integer("cas", "cas index");
  if (flags !== undefined) options.flags = flags;
  if (cas !== undefined) options.cas = cas;
  const acquire = context.query.get("acquire");
  const release = context.query.get("release");
  if (acquire !== null) options.acquire = acquire;
  if (release !== null) options.release = release;
  return kv.put(context.params.key!, context.body, options);
}
