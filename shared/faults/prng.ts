/**
 * A tiny seeded pseudo-random generator (the mulberry32 recurrence).
 *
 * Fault decisions must replay exactly from a seed, so the proxy never calls Math.random():
 * every probability and jitter draw comes from one of these, in request order.
 */
export interface Prng {
  readonly seed: number;
  /** The next number of the sequence, uniform in [0, 1). */
  next(): number;
}

const MAX_SEED = 0xffff_ffff;

export function isValidSeed(seed: number): boolean {
  return Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED;
}

export function createPrng(seed: number): Prng {
  if (!isValidSeed(seed)) {
    throw new RangeError(`seed must be an integer in [0, ${MAX_SEED}], got ${seed}`);
  }
  let state = seed;
  return {
    seed,
    next() {
      state = (state + 0x6d2b79f5) >>> 0;
      let mixed = Math.imul(state ^ (state >>> 15), state | 1);
      mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
      return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32;
    },
  };
}

/** A fresh seed for runs that did not ask for one; report it so the run can be replayed. */
export function randomSeed(): number {
  return Math.floor(Math.random() * (MAX_SEED + 1));
}
