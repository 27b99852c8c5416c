// A look-aside read cache in the style of memcache: clients read it first and, on a miss, read the store
// and fill it; writers delete (invalidate) the key after writing the store. Leases make the fill safe: a
// miss hands one client a token, only that token may fill the key, and a delete voids it, so a value read
// before a write can never be put back after the write's invalidation. While a lease is out, other
// clients get a hot miss and wait instead of all hitting the store at once.
import type { Env, NodeDef, NodeId } from "@distlab/kit/sim";
import { LEASE_MS, type CacheDelete, type CacheGet, type CacheSet, type Cached, type Message } from "./messages.ts";
import { getOwn, setOwn } from "./records.ts";
import { todo } from "@distlab/kit/service";

export interface Lease {
  token: number;
  holder: NodeId;
  /** env.now() after which the lease no longer holds the key (its holder may have died). */
  expires: number;
}

export interface CacheStats {
  hits: number;
  /** Misses that handed out a lease. */
  misses: number;
  /** Hot misses: the key's lease was out, the client was told to wait. */
  waits: number;
  /** Fills accepted. */
  fills: number;
  /** Fills refused because their lease was voided or replaced: each one a stale value kept out. */
  refusedFills: number;
  invalidations: number;
}

export interface CacheState {
  entries: Record<string, Cached>;
  leases: Record<string, Lease>;
  nextToken: number;
  stats: CacheStats;
}

export function cacheNode(): NodeDef<CacheState, Message> {
  return {
    init: () => ({
      entries: {},
      leases: {},
      nextToken: 0,
      stats: { hits: 0, misses: 0, waits: 0, fills: 0, refusedFills: 0, invalidations: 0 },
    }),
    onMessage(state, from, msg, env) {
      if (msg.type === "cacheGet") handleCacheGet(state, from, msg, env);
      else if (msg.type === "cacheSet") handleCacheSet(state, msg);
      else if (msg.type === "cacheDelete") handleCacheDelete(state, from, msg, env);
    },
    onTimer() {},
  };
}

// ---- Step 8: the cache and its leases -----------------------------------------------------------------

/** A hit answers the entry; a miss hands out a lease, unless another client holds a live one (wait). */
export function handleCacheGet(state: CacheState, from: NodeId, msg: CacheGet, env: Env<Message>): void {
  return todo("TODO(lab05 §8): hit; or a live lease of someone else: wait; or the same holder asking again: its token; else a new lease — see labs/05-primary-backup/README.md, step 8");
}

/** A fill: kept only if it carries the key's current lease, which it then uses up. */
export function handleCacheSet(state: CacheState, msg: CacheSet): void {
  return todo("TODO(lab05 §8): accept the fill only with the key's current token, then drop the lease; count refusals — see labs/05-primary-backup/README.md, step 8");
}

/** An invalidation: the key's entry goes, and so does its lease, so a fill read before the write is refused. */
export function handleCacheDelete(state: CacheState, from: NodeId, msg: CacheDelete, env: Env<Message>): void {
  return todo("TODO(lab05 §8): forget the entry and void the lease, then confirm — see labs/05-primary-backup/README.md, step 8");
}
