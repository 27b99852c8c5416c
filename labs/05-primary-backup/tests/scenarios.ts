// Building blocks of the multi-client scenarios, shared by the visible and hidden tests: faulty networks,
// crashes that keep the system able to make progress, and the end-of-run checks every scenario makes.
import { forEachSeed, Prng, type NodeId, type Simulator } from "@distlab/kit/sim";
import { expect } from "vitest";
import { assertLinearizable, lostAppends } from "./checks.ts";
import { LAB, PbSystem, type SystemOptions } from "./system.ts";

/** Drops, duplicates and reorders `rate` of the messages between nodes (the driver's links stay perfect). */
export function unreliable(sim: Simulator, rate = 0.1): void {
  sim.configureNetwork({ dropRate: rate, duplicateRate: rate, reorderRate: rate, reorderDelay: 40 });
}

/** Runs `scenario` on a fresh system for each seed; a failure names the seed and how to replay it. */
export async function eachSeed(
  name: string,
  seeds: number | number[],
  setup: { servers: number; clients: number } & SystemOptions,
  scenario: (system: PbSystem, rng: Prng) => void,
): Promise<void> {
  await forEachSeed({
    seeds,
    name,
    lab: LAB,
    scenario: async (sim, seed) => {
      const system = await PbSystem.open(sim, setup.servers, setup.clients, setup);
      scenario(system, Prng.derive(seed, "scenario"));
    },
  });
}

/** Clients c1…cN of a system with N clients. */
export function clientIds(count: number): NodeId[] {
  return Array.from({ length: count }, (_, i) => `c${i + 1}`);
}

/** Crashes the primary of the moment at `at` (virtual ms). */
export function crashPrimaryAt(system: PbSystem, at: number): void {
  system.sim.at(at, () => {
    const primary = system.view().primary;
    if (primary !== null && system.sim.isUp(primary)) system.sim.crash(primary);
  });
}

/**
 * From `from` to `until`, crashes one server at a time and restarts it a little later, but only while
 * the current view is acknowledged with a backup: a crash then never takes the last copy of the data.
 */
export function repeatedCrashes(system: PbSystem, rng: Prng, servers: NodeId[], from: number, until: number): void {
  const tick = () => {
    if (system.sim.now >= until) return;
    const { view, primaryAcked } = system.viewService();
    const allUp = servers.every((s) => system.sim.isUp(s));
    if (allUp && primaryAcked && view.backup !== null) {
      const victim = rng.pick(servers);
      system.sim.crash(victim);
      system.sim.after(rng.int(150, 400), () => system.sim.restart(victim));
    }
    system.sim.after(rng.int(200, 600), tick);
  };
  system.sim.at(from, tick);
}

/** After the workload: every operation answered, and a final read of each key from a client. */
export function settleAndRead(system: PbSystem, keys: string[], reader: NodeId = "c1"): Record<string, string | null> {
  system.settle(60_000);
  system.sim.configureNetwork({ dropRate: 0, duplicateRate: 0, reorderRate: 0 });
  return Object.fromEntries(keys.map((key) => [key, system.get(reader, key, 20_000)]));
}

/** The checks at the end of every multi-client scenario. */
export function checkRun(system: PbSystem, keys: string[], name: string): void {
  const finals = settleAndRead(system, keys);
  const lost = lostAppends(system.invocations, finals);
  expect(lost, `acknowledged writes missing from the final reads: ${lost.join(", ")}`).toEqual([]);
  assertLinearizable(system.history(), name);
}

/** Each acknowledged append shows exactly once in the final value. */
export function checkAppendsOnce(system: PbSystem, finals: Record<string, string | null>): void {
  for (const [key, value] of Object.entries(finals)) {
    const parts = (value ?? "").split(";").filter((part) => part !== "");
    const repeated = parts.filter((part, index) => parts.indexOf(part) !== index);
    expect(repeated, `appends applied twice to ${key}: ${repeated.join(", ")}`).toEqual([]);
    const acked = system.invocations.filter((i) => i.op.key === key && i.op.op === "append" && i.result !== null);
    for (const append of acked) {
      const value = (append.op as { value: string }).value.replace(";", "");
      expect(parts, `acknowledged append ${value} to ${key} is missing`).toContain(value);
    }
  }
}
