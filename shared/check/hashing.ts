// Small hash helpers for the checker's memo.

/** The murmur3 32-bit finaliser: spreads the bits of an integer. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over a whole string. */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function defaultStateHash(state: unknown): number {
  if (typeof state === "string") return hashText(state);
  if (typeof state === "number") return fmix32(state | 0) ^ hashText(String(state));
  return hashText(JSON.stringify(state) ?? "undefined");
}

export function defaultStateEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
