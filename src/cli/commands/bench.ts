import { findLab } from "../../lab/catalogue.ts";
import { resolveTarget } from "../../lab/targets.ts";
import { benchKv, kvTable } from "../../bench/kv.ts";
import { integerFlag, onePositional, parse, UsageError } from "../args.ts";

const BENCHES = ["kv"] as const;
const USAGE = `distlab bench <${[...BENCHES, "all"].join("|")}> [--json] [--seconds N] [--target solutions|labs|DIR]`;

/** Benchmarks print a table with their baseline measured in the same run; targets are met here, not in tests. */
export async function benchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      json: { type: "boolean" },
      seconds: { type: "string" },
      target: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  const name = onePositional(positionals, "benchmark", USAGE);
  if (name !== "all" && !(BENCHES as readonly string[]).includes(name))
    throw new UsageError(`no benchmark '${name}'\nusage: ${USAGE}`);
  const seconds = integerFlag("seconds", values.seconds, 1, 600) ?? 5;
  const results: Record<string, unknown> = {};
  if (name === "kv" || name === "all") {
    const lab = await findLab("01");
    const target = resolveTarget(lab, values.target ?? (lab.hasSolutions ? "solutions" : "labs"));
    if (!values.json) process.stdout.write(`kv: durable PUTs, ${seconds} s per row (target ${target})\n`);
    const report = await benchKv(target, seconds);
    results.kv = report;
    if (!values.json) process.stdout.write(`${kvTable(report)}\n\n`);
  }
  if (values.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return 0;
}
