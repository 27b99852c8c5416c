import { restartService, startService, type ServiceProcess } from "@distlab/kit/harness";
import type { ObserveOptions } from "@distlab/kit/observe";
import { call, show, type Reply } from "@distlab/kit/test-http";

/** Test helpers for Lab 01: start the KV service under test and talk to it over real HTTP. */

// Plain HTTP comes from the kit (the same for every lab's tests): a KV that does not answer a request
// fails the test within seconds, with a message naming the route.
export { call, show, type Reply };

/** Starts the KV under test; `observe` also records what it does on disk and on the wire (see disk.ts). */
export function startKv(env: Record<string, string> = {}, observe?: ObserveOptions): Promise<ServiceProcess> {
  return startService({ service: "kv", env, ...(observe ? { observe } : {}) });
}

export function restartKv(previous: ServiceProcess): Promise<ServiceProcess> {
  return restartService(previous);
}

/**
 * A small client over `call`: what a test would write again and again. `patienceMs` replaces the default
 * wait for an answer, for tests that hold the store up on purpose or send a thousand writes at once.
 */
export function kvClient(base: string, patienceMs?: number) {
  const wait = patienceMs === undefined ? {} : { timeoutMs: patienceMs };
  return {
    put: (key: string, value: string, headers?: Record<string, string>, signal?: AbortSignal) =>
      call(base, "PUT", `/kv/${key}`, {
        json: { value },
        ...wait,
        ...(headers ? { headers } : {}),
        ...(signal ? { signal } : {}),
      }),
    get: (key: string) => call(base, "GET", `/kv/${key}`, wait),
    del: (key: string, headers?: Record<string, string>) =>
      call(base, "DELETE", `/kv/${key}`, { ...wait, ...(headers ? { headers } : {}) }),
    post: (value: string) => call(base, "POST", "/kv", { json: { value }, ...wait }),
    list: (query: Record<string, string | number>) =>
      call(
        base,
        "GET",
        `/kv?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`,
        wait,
      ),
  };
}

/** Every key of a listing, following cursors to the end. */
export async function listAll(base: string, query: Record<string, string | number> = {}): Promise<string[]> {
  const client = kvClient(base);
  const keys: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const reply = await client.list(cursor === null ? query : { ...query, cursor });
    if (reply.status !== 200) throw new Error(`GET /kv answered ${show(reply)}`);
    keys.push(...reply.body.items.map((item: { key: string }) => item.key));
    cursor = reply.body.next;
    if (cursor === null) return keys;
  }
  throw new Error("GET /kv kept returning a next cursor after 10000 pages");
}
