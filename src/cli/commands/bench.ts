import { findLab } from "../../lab/catalogue.ts";
import { resolveTarget } from "../../lab/targets.ts";
import { benchCheck, checkTables } from "../../bench/check.ts";
import { benchKv, kvTable } from "../../bench/kv.ts";
import { benchRpc, rpcTable } from "../../bench/rpc.ts";
import { benchSim, simTable } from "../../bench/sim.ts";
import { integerFlag, onePositional, parse, UsageError } from "../args.ts";

const BENCHES = ["kv", "rpc", "check", "sim"] as const;
const USAGE = `distlab bench <${[...BENCHES, "all"].join("|")}> [--json] [--seconds N] [--target solutions|labs|DIR]`;

/**
 * Benchmarks print a table with their baseline measured in the same run (where the baseline cannot run
 * here, as Porcupine for check, the table labels its figures as reference numbers); targets are met
 * here, not in tests.
 */
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
  if (name === "all" && values.target) throw new UsageError("--target names one lab's code: use it with kv or rpc");
  const targetOf = async (id: string) => {
    const lab = await findLab(id);
    return resolveTarget(lab, values.target ?? (lab.hasSolutions ? "solutions" : "labs"));
  };
  if (name === "kv" || name === "all") {
    const target = await targetOf("01");
    if (!values.json) process.stdout.write(`kv: durable PUTs, ${seconds} s per row (target ${target})\n`);
    const report = await benchKv(target, seconds);
    results.kv = report;
    if (!values.json) process.stdout.write(`${kvTable(report)}\n\n`);
  }
  if (name === "rpc" || name === "all") {
    const target = await targetOf("03");
    if (!values.json)
      process.stdout.write(`rpc: the same charges over HTTP/JSON and gRPC, ${seconds} s per row (target ${target})\n`);
    const report = await benchRpc(target, seconds);
    results.rpc = report;
    if (!values.json) process.stdout.write(`${rpcTable(report)}\n\n`);
  }
  if (name === "check" || name === "all") {
    if (!values.json)
      process.stdout.write(
        "check: linearizability checker on generated KV histories (10 clients), then the CLI process\n",
      );
    const report = benchCheck();
    results.check = report;
    if (!values.json) process.stdout.write(`${checkTables(report)}\n\n`);
  }
  if (name === "sim" || name === "all") {
    if (!values.json) process.stdout.write("sim: deterministic simulator, 5 nodes heartbeating over a lossy network\n");
    const rows = benchSim();
    results.sim = rows;
    if (!values.json) process.stdout.write(`${simTable(rows)}\n\n`);
  }
  if (values.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return 0;
}
