// The two races of the demo that real time cannot stage on cue, played on the simulator with the lab's
// node code (in the node host, as in the tests): a fill that arrives after an invalidation, and a write
// that asynchronous replication acknowledges and then loses.
import { nodeHost } from "@distlab/kit/sandbox";
import { Simulator } from "@distlab/kit/sim";
import type { Narrator } from "@distlab/kit/demo";
import { expectThat } from "@distlab/kit/demo";
import { checkLinearizable, explainIllegal } from "../tests/checks.ts";
import { CACHE, PbSystem } from "../tests/system.ts";

async function primaryAndBackup(options: { cache?: boolean; mode?: "sync" | "async" }, clients: number) {
  const system = await PbSystem.open(new Simulator({ seed: 7, name: "demo" }), 2, clients, options);
  system.waitForView("s1 primary and s2 backup", (v, acked) => v.primary === "s1" && v.backup === "s2" && acked);
  return system;
}

export async function staleFillRace(narrator: Narrator): Promise<void> {
  const system = await primaryAndBackup({ cache: true }, 3);
  system.put("c1", "price", "10");
  narrator.say(`t=${system.sim.now}ms  price = "10" in the store; the cache is empty`);
  system.sim.setLink("s1", "c1", { minDelay: 150, maxDelay: 150 });
  const read = system.invoke("c1", { op: "get", key: "price" });
  system.sim.runFor(30);
  narrator.say(
    `t=${system.sim.now}ms  c1 missed, got lease #${system.cache().nextToken}, read "10" at the primary — its answer is slow`,
  );
  system.put("c2", "price", "12");
  narrator.say(`t=${system.sim.now}ms  c2 wrote "12" and invalidated the key: c1's lease is void`);
  system.settle();
  system.sim.runFor(300);
  const stats = system.cache().stats;
  narrator.say(`t=${system.sim.now}ms  c1 answered ${JSON.stringify(read.result)} and tried to fill the cache with it`);
  narrator.say(`cache: ${stats.fills} fills kept, ${stats.refusedFills} refused (a stale value kept out)`);
  const after = system.get("c3", "price");
  narrator.say(`c3 reads price → "${after}"`);
  expectThat(stats.refusedFills === 1 && after === "12", `the stale fill should be refused and c3 should read "12"`);
  expectThat(system.sim.isUp(CACHE), "the cache should still be up");
}

export async function asyncLoss(narrator: Narrator): Promise<void> {
  const system = await primaryAndBackup({ mode: "async" }, 1);
  system.put("c1", "balance", "100");
  system.sim.setLink("s1", "s2", { dropRate: 1 });
  narrator.say("asynchronous mode; then every forward from s1 to s2 is lost");
  system.put("c1", "balance", "250");
  narrator.say(`t=${system.sim.now}ms  put(balance, "250") acknowledged to the client`);
  system.sim.crash("s1");
  system.waitForView("s2 primary", (v) => v.primary === "s2");
  const read = system.get("c1", "balance");
  narrator.say(`t=${system.sim.now}ms  s1 crashed, s2 took over; get(balance) → "${read}"`);
  const history = system.history();
  const verdict = checkLinearizable(history);
  for (const line of explainIllegal(history, verdict, "demo async loss").split("\n")) narrator.say(line);
  expectThat(verdict.result === "illegal", "the checker should reject the history");
}

/** Stops the node host the simulated scenarios ran the lab's code in. */
export async function closeSimulatedNodes(): Promise<void> {
  await (await nodeHost()).close();
}
