import { findLab, UsageError } from "../../lab/catalogue.ts";
import { resolveTarget } from "../../lab/targets.ts";
import { kvDemo } from "../../demos/kv.ts";
import { rpcDemo } from "../../demos/rpc.ts";
import { grpcDemo } from "../../demos/grpc.ts";
import { actorsDemo } from "../../demos/actors.ts";
import { Narrator, type Demo } from "../../demos/narrator.ts";
import { parse } from "../args.ts";
import { stopAllServices } from "@distlab/kit/harness";

const USAGE = "distlab demo [lab] [--once] [--target solutions|labs|DIR]";

const DEMOS: Record<string, Demo> = {
  "01-kv": kvDemo,
  "02-rpc": rpcDemo,
  "03-grpc": grpcDemo,
  "04-actors": actorsDemo,
};

/**
 * Starts a lab's system and narrates a scenario. With --once it stops afterwards and exits 0 only if every
 * step did what it said; without, it leaves the system running for the audience until Ctrl-C.
 */
export async function demoCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { once: { type: "boolean" }, target: { type: "string" }, help: { type: "boolean", short: "h" } },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  if (positionals.length > 1) throw new UsageError(`one lab at a time\nusage: ${USAGE}`);
  const lab = await findLab(positionals[0] ?? "01");
  const demo = DEMOS[lab.name];
  if (!demo) throw new UsageError(`lab ${lab.name} has no demo yet; demos exist for ${Object.keys(DEMOS).join(", ")}`);
  const target = resolveTarget(lab, values.target ?? (lab.hasSolutions ? "solutions" : "labs"));
  process.stdout.write(`distlab demo — ${lab.name}: ${lab.manifest.title}\n(target: ${target})\n`);
  const narrator = new Narrator();
  try {
    const system = await demo(narrator, target);
    process.stdout.write(`\n${narrator.summary()}\n`);
    if (values.once || !system) {
      await system?.stop();
      return narrator.ok ? 0 : 1;
    }
    process.stdout.write(
      `\nThe system keeps running for you:\n${system.guide.map((line) => `  ${line}`).join("\n")}\n`,
    );
    process.stdout.write("Press Ctrl-C to stop it.\n");
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
      void system.stopped.then(() => resolve());
    });
    process.stdout.write("stopping…\n");
    await system.stop();
    return narrator.ok ? 0 : 1;
  } finally {
    await stopAllServices();
  }
}
