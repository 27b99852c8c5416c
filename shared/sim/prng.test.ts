import { describe, expect, it } from "vitest";
import { Prng } from "./prng.ts";

const draw = (prng: Prng, n: number) => Array.from({ length: n }, () => prng.nextUint32());

describe("Prng", () => {
  it("gives the same sequence for the same seed", () => {
    expect(draw(new Prng(42), 100)).toEqual(draw(new Prng(42), 100));
  });

  it("gives unrelated sequences for neighbouring seeds", () => {
    const a = draw(new Prng(1), 50);
    const b = draw(new Prng(2), 50);
    expect(a.filter((x, i) => x === b[i])).toHaveLength(0);
  });

  it("keeps int() within its inclusive bounds and reaches both ends", () => {
    const prng = new Prng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = prng.int(3, 6);
      expect(x).toBeGreaterThanOrEqual(3);
      expect(x).toBeLessThanOrEqual(6);
      seen.add(x);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it("draws floats in [0, 1) with a mean near one half", () => {
    const prng = new Prng(9);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = prng.next();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(sum / 10_000).toBeCloseTo(0.5, 1);
  });

  it("derives independent per-node streams from one seed", () => {
    expect(Prng.derive(5, "a").next()).not.toBe(Prng.derive(5, "b").next());
    expect(Prng.derive(5, "a").next()).toBe(Prng.derive(5, "a").next());
  });
});
