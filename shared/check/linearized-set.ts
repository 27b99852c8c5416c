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

  /**
   * The memo, laid out for few cache misses: a probe reads the table alone, which holds each slot's
   * entry (+1; 0 is empty) beside the low half of its key; the rest of an entry is one record of four
   * integers: the high half of the key, the first missing index, and where its bitset words are in the
   * pool and how many there are. Linear probing.
   */
  private table: Int32Array;
  private records: Int32Array;
  private readonly entryState: S[] = [];
  private entryCount = 0;
  private pool: Uint32Array;
  private poolUsed = 0;

  private readonly equal: (a: S, b: S) => boolean;

  constructor(capacity: number, equal: (a: S, b: S) => boolean) {
    this.equal = equal;
    // A memo holds a few entries per operation when concurrency is low; a key with a hundred
    // operations should not pay for a table sized for a hundred thousand (they grow as needed).
    const entries = 1 << Math.max(6, Math.min(16, 32 - Math.clz32(capacity * 4)));
    this.table = new Int32Array(entries * 4);
    this.records = new Int32Array(entries * 4);
    this.pool = new Uint32Array(entries);
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

    const keyLow = (setLow ^ stateHash) | 0;
    const keyHigh = (setHigh ^ fmix32(stateHash ^ 0x5bd1e995)) | 0;
    const table = this.table;
    const records = this.records;
    const mask = table.length - 2;
    let slot = (keyLow << 1) & mask;
    for (let entry = table[slot]! - 1; entry !== -1; entry = table[slot]! - 1) {
      const record = entry << 2;
      if (
        table[slot + 1] === keyLow &&
        records[record] === keyHigh &&
        records[record + 1] === firstMissing &&
        records[record + 3] === length &&
        this.sameWords(records[record + 2]!, length, from) &&
        this.equal(this.entryState[entry]!, state)
      ) {
        words[wordIndex]! &= ~bit;
        return false;
      }
      slot = (slot + 2) & mask;
    }
    table[slot] = this.storeEntry(keyHigh, firstMissing, from, length, state) + 1;
    table[slot + 1] = keyLow;
    if (this.entryCount * 4 > table.length) this.rehash();
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

  private storeEntry(keyHigh: number, firstMissing: number, from: number, length: number, state: S): number {
    const entry = this.entryCount++;
    const record = entry << 2;
    if (record === this.records.length) this.records = grow(this.records);
    while (this.poolUsed + length > this.pool.length) this.pool = grow(this.pool);
    for (let i = 0; i < length; i++) this.pool[this.poolUsed + i] = this.words[from + i]!;
    this.records[record] = keyHigh;
    this.records[record + 1] = firstMissing;
    this.records[record + 2] = this.poolUsed;
    this.records[record + 3] = length;
    this.entryState[entry] = state;
    this.poolUsed += length;
    return entry;
  }

  private sameWords(offset: number, length: number, from: number): boolean {
    for (let i = 0; i < length; i++) if (this.pool[offset + i] !== this.words[from + i]) return false;
    return true;
  }

  /** Doubles the table: slots are found again from the low key half kept beside each entry. */
  private rehash(): void {
    const old = this.table;
    const table = new Int32Array(old.length * 2);
    const mask = table.length - 2;
    for (let slot = 0; slot < old.length; slot += 2) {
      if (old[slot] === 0) continue;
      let target = (old[slot + 1]! << 1) & mask;
      while (table[target] !== 0) target = (target + 2) & mask;
      table[target] = old[slot]!;
      table[target + 1] = old[slot + 1]!;
    }
    this.table = table;
  }
}

function grow<T extends Int32Array | Uint32Array>(array: T): T {
  const bigger = new (array.constructor as new (length: number) => T)(array.length * 2);
  bigger.set(array);
  return bigger;
}
