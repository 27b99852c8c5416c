// The set of operations linearized so far, plus the memo of (set, state) pairs already explored.
//
// Operations are numbered in call order, so a linearized set is almost always "every operation below
// some index, plus a few concurrent ones above it". A memo entry therefore stores only the first
// missing index and the words of the bitset from there to the highest member: a handful of words
// even for a 100 000-operation partition. The set's hash is a Zobrist hash (XOR of a fixed random
// value per member), updated in O(1) on every add and remove. The memo is an open-addressing hash
// table over typed arrays (an arena), not a Map of objects: millions of entries stay cheap.
import { fmix32 } from "./hashing.ts";

export class LinearizedSet<S> {
  private readonly words: Uint32Array;
  private readonly zobristLow: Uint32Array;
  private readonly zobristHigh: Uint32Array;
  /** highest[d] is the largest member when the set has d members (additions and removals are LIFO). */
  private readonly highest: Int32Array;
  private size = 0;
  private firstMissing = 0;
  private hashLow = 0;
  private hashHigh = 0;

  /** Slot → entry index, or -1; linear probing. */
  private table = new Int32Array(1 << 12).fill(-1);
  private entryHashLow = new Uint32Array(1024);
  private entryHashHigh = new Uint32Array(1024);
  private entryFirstMissing = new Int32Array(1024);
  private entryOffset = new Int32Array(1024);
  private entryLength = new Int32Array(1024);
  private readonly entryState: S[] = [];
  private entryCount = 0;
  private pool = new Uint32Array(4096);
  private poolUsed = 0;

  constructor(
    capacity: number,
    private readonly equal: (a: S, b: S) => boolean,
  ) {
    this.words = new Uint32Array((capacity >> 5) + 1);
    this.zobristLow = new Uint32Array(capacity);
    this.zobristHigh = new Uint32Array(capacity);
    for (let i = 0; i < capacity; i++) {
      this.zobristLow[i] = fmix32(Math.imul(i + 1, 0x9e3779b1));
      this.zobristHigh[i] = fmix32(Math.imul(i + 1, 0x85ebca77) ^ 0x27d4eb2f);
    }
    this.highest = new Int32Array(capacity + 1);
    this.highest[0] = -1;
  }

  get memoSize(): number {
    return this.entryCount;
  }

  /**
   * Adds `op` when (set ∪ {op}, state) has not been explored yet, records it in the memo and returns
   * true; otherwise leaves the set unchanged and returns false.
   */
  addIfNew(op: number, state: S, stateHash: number): boolean {
    const words = this.words;
    const wordIndex = op >> 5;
    const bit = 1 << (op & 31);
    words[wordIndex]! |= bit;
    const setLow = (this.hashLow ^ this.zobristLow[op]!) >>> 0;
    const setHigh = (this.hashHigh ^ this.zobristHigh[op]!) >>> 0;
    const firstMissing = op === this.firstMissing ? this.nextMissing(op) : this.firstMissing;
    const previousHighest = this.highest[this.size]!;
    const highest = op > previousHighest ? op : previousHighest;
    const from = firstMissing >> 5;
    const length = (highest >> 5) - from + 1 > 0 ? (highest >> 5) - from + 1 : 0;

    const keyLow = (setLow ^ stateHash) >>> 0;
    const keyHigh = (setHigh ^ fmix32(stateHash ^ 0x5bd1e995)) >>> 0;
    const mask = this.table.length - 1;
    let slot = keyLow & mask;
    for (let entry = this.table[slot]!; entry !== -1; entry = this.table[slot]!) {
      if (
        this.entryHashLow[entry] === keyLow &&
        this.entryHashHigh[entry] === keyHigh &&
        this.entryFirstMissing[entry] === firstMissing &&
        this.entryLength[entry] === length &&
        this.sameWords(this.entryOffset[entry]!, length, from) &&
        this.equal(this.entryState[entry]!, state)
      ) {
        words[wordIndex]! &= ~bit;
        return false;
      }
      slot = (slot + 1) & mask;
    }
    this.table[slot] = this.storeEntry(keyLow, keyHigh, firstMissing, from, length, state);
    if (this.entryCount * 2 > this.table.length) this.rehash();
    this.hashLow = setLow;
    this.hashHigh = setHigh;
    this.firstMissing = firstMissing;
    this.size++;
    this.highest[this.size] = highest;
    return true;
  }

  /** Removes the most recently added member. */
  remove(op: number): void {
    this.words[op >> 5]! &= ~(1 << (op & 31));
    this.hashLow = (this.hashLow ^ this.zobristLow[op]!) >>> 0;
    this.hashHigh = (this.hashHigh ^ this.zobristHigh[op]!) >>> 0;
    if (op < this.firstMissing) this.firstMissing = op;
    this.size--;
  }

  /** The first index ≥ `from` not in the set (bits below `from` are known to be set). */
  private nextMissing(from: number): number {
    let wordIndex = from >> 5;
    const shift = from & 31;
    let word = (this.words[wordIndex]! | (shift === 0 ? 0 : 0xffffffff >>> (32 - shift))) >>> 0;
    while (word === 0xffffffff) word = this.words[++wordIndex]!;
    const missing = ~word & (word + 1);
    return wordIndex * 32 + (31 - Math.clz32(missing));
  }

  private storeEntry(
    keyLow: number,
    keyHigh: number,
    firstMissing: number,
    from: number,
    length: number,
    state: S,
  ): number {
    const entry = this.entryCount++;
    if (entry === this.entryOffset.length) {
      this.entryHashLow = grow(this.entryHashLow);
      this.entryHashHigh = grow(this.entryHashHigh);
      this.entryFirstMissing = grow(this.entryFirstMissing);
      this.entryOffset = grow(this.entryOffset);
      this.entryLength = grow(this.entryLength);
    }
    while (this.poolUsed + length > this.pool.length) this.pool = grow(this.pool);
    this.pool.set(this.words.subarray(from, from + length), this.poolUsed);
    this.entryHashLow[entry] = keyLow;
    this.entryHashHigh[entry] = keyHigh;
    this.entryFirstMissing[entry] = firstMissing;
    this.entryOffset[entry] = this.poolUsed;
    this.entryLength[entry] = length;
    this.entryState[entry] = state;
    this.poolUsed += length;
    return entry;
  }

  private sameWords(offset: number, length: number, from: number): boolean {
    for (let i = 0; i < length; i++) if (this.pool[offset + i] !== this.words[from + i]) return false;
    return true;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2).fill(-1);
    const mask = table.length - 1;
    for (let entry = 0; entry < this.entryCount; entry++) {
      let slot = this.entryHashLow[entry]! & mask;
      while (table[slot] !== -1) slot = (slot + 1) & mask;
      table[slot] = entry;
    }
    this.table = table;
  }
}

function grow<T extends Int32Array | Uint32Array>(array: T): T {
  const bigger = new (array.constructor as new (length: number) => T)(array.length * 2);
  bigger.set(array);
  return bigger;
}
