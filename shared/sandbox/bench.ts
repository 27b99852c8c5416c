// How much a handler call through the node host costs: the same ping-pong run on local nodes and on
// remote ones, in one run. Simulator labs' test time is mostly this.
import { fileURLToPath } from "node:url";
import { Simulator } from "../sim/simulator.ts";
import type { NodeDef } from "../sim/types.ts";
import { counterNode } from "./fixtures/src/counter.ts";
import { openNodeHost } from "./node-host.ts";

export interface HostBenchRow {
  system: string;
  events: number;
  eventsPerSecond: number;
  microsPerEvent: number;
}

export async function nodeHostBenchRows(limit = 50_000): Promise<HostBenchRow[]> {
  const host = await openNodeHost({ lab: "fixture", target: fileURLToPath(new URL("./fixtures/", import.meta.url)) });
  try {
    const measure = (system: string, make: (peer: string, serve: boolean) => NodeDef<unknown, unknown>) => {
      const sim = new Simulator({ seed: 1, trace: false });
      sim.addNode("a", make("b", true));
      sim.addNode("b", make("a", false));
      const started = performance.now();
      sim.runFor(limit * 100);
      const seconds = (performance.now() - started) / 1000;
      return {
        system,
        events: sim.eventCount,
        eventsPerSecond: Math.round(sim.eventCount / seconds),
        microsPerEvent: Math.round((seconds * 1e6) / sim.eventCount),
      };
    };
    const options = (peer: string, serve: boolean) => ({ peer, serve, limit, jitter: false });
    return [
      measure("local nodes (in the test process)", (peer, serve) => counterNode(options(peer, serve))),
      measure("remote nodes (node host)", (peer, serve) =>
        host.node("counter.ts", "counterNode", options(peer, serve)),
      ),
    ];
  } finally {
    await host.close();
  }
}
