import { findLab, listLabs, UsageError } from "../../lab/catalogue.ts";
import { loadLabModule } from "../../lab/lab-modules.ts";
import { Narrator, type LabDemo } from "@distlab/kit/demo";
import { stopAllServices } from "@distlab/kit/harness";
import { parse } from "../args.ts";

const USAGE = "distlab demo [lab] [--once] [--target solutions|labs|DIR] [--prereqs own|reference]";

/**
 * Starts a lab's system and narrates a scenario: the demo module its manifest names. With --once it stops
 * afterwards and exits 0 only if every step did what it said; without, it leaves the system running for
 * the audience until Ctrl-C.
 */
export async function demoCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      once: { type: "boolean" },
      target: { type: "string" },
      prereqs: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  if (positionals.length > 1) throw new UsageError(`one lab at a time\nusage: ${USAGE}`);
  const lab = await findLab(positionals[0] ?? "01");
  if (!lab.manifest.demo) {
    const withDemo = (await listLabs())
      .filter((candidate) => candidate.manifest.demo)
      .map((candidate) => candidate.name);
    throw new UsageError(`lab ${lab.name} has no demo; demos exist for ${withDemo.join(", ") || "no lab"}`);
  }
  const { run: demo, target } = await loadLabModule<LabDemo>(lab, "demo", values);
  process.stdout.write(`distlab demo — ${lab.name}: ${lab.manifest.title}\n(target: ${target})\n`);
  const narrator = new Narrator();
  try {
    const system = await demo({ narrator, target, once: values.once ?? false });
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
