import { closeNodeHosts } from "@distlab/kit/sandbox";
import { findLab, listLabs, UsageError, type Lab } from "../../lab/catalogue.ts";
import { loadLabModule } from "../../lab/lab-modules.ts";
import { benchCheck, checkTables } from "../../bench/check.ts";
import { benchSim, simTable } from "../../bench/sim.ts";
import { benchTable, printableReport, type BenchReport, type LabBench } from "@distlab/kit/bench";
import { integerFlag, onePositional, parse } from "../args.ts";

const KIT_BENCHES = ["check", "sim"] as const;
const USAGE =
  "distlab bench <lab>|check|sim|all [--json] [--seconds N] [--target solutions|labs|DIR] [--prereqs own|reference]";

interface BenchFlags {
  json: boolean;
  seconds: number;
  target?: string;
  prereqs?: string;
}

/**
 * Benchmarks print a table with their baseline measured in the same run (where the baseline cannot run
 * here, as Porcupine for check, the table labels its figures as reference numbers); targets are met
 * here, not in tests. A lab's benchmark is the module its manifest names; check and sim measure the kit.
 */
export async function benchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      json: { type: "boolean" },
      seconds: { type: "string" },
      target: { type: "string" },
      prereqs: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  const name = onePositional(positionals, "benchmark", USAGE);
  const flags: BenchFlags = {
    json: values.json ?? false,
    seconds: integerFlag("seconds", values.seconds, 1, 600) ?? 5,
    ...(values.target === undefined ? {} : { target: values.target }),
    ...(values.prereqs === undefined ? {} : { prereqs: values.prereqs }),
  };
  if (name === "all") {
    if (values.target) throw new UsageError("--target names one lab's code: use it with one lab's benchmark");
    const results: Record<string, unknown> = {};
    for (const kit of KIT_BENCHES) results[kit] = kitBench(kit, flags.json);
    for (const lab of (await listLabs()).filter((candidate) => candidate.manifest.bench)) {
      results[lab.name] = await labBench(lab, flags);
    }
    if (flags.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return 0;
  }
  if ((KIT_BENCHES as readonly string[]).includes(name)) {
    const result = kitBench(name as (typeof KIT_BENCHES)[number], flags.json);
    if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  const lab = await findLab(name);
  if (!lab.manifest.bench) {
    const withBench = (await listLabs())
      .filter((candidate) => candidate.manifest.bench)
      .map((candidate) => candidate.name);
    throw new UsageError(
      `lab ${lab.name} has no benchmark; benchmarks: ${[...withBench, ...KIT_BENCHES].join(", ")}\nusage: ${USAGE}`,
    );
  }
  const report = await labBench(lab, flags);
  if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return 0;
}

/** Runs a lab's benchmark module; prints its table unless --json (then it returns the rows and ratios). */
async function labBench(lab: Lab, flags: BenchFlags): Promise<ReturnType<typeof printableReport>> {
  const { run, target } = await loadLabModule<LabBench>(lab, "bench", flags);
  const log = (line: string) => (flags.json ? process.stderr : process.stdout).write(`${line}\n`);
  // A simulator lab's bench runs node code in node hosts: close them, or they keep the CLI from exiting.
  const report: BenchReport = await run({ target, seconds: flags.seconds, log }).finally(closeNodeHosts);
  if (!Array.isArray(report?.rows) || typeof report.ratios !== "object" || report.ratios === null) {
    throw new Error(`labs/${lab.name}/${lab.manifest.bench}: bench() must return { rows: [...], ratios: {...} }`);
  }
  if (!flags.json) process.stdout.write(`${lab.name}: ${lab.manifest.title}\n${benchTable(report)}\n\n`);
  return printableReport(report);
}

function kitBench(name: (typeof KIT_BENCHES)[number], json: boolean): unknown {
  if (name === "check") {
    if (!json)
      process.stdout.write(
        "check: linearizability checker on generated KV histories (10 clients), then the CLI process\n",
      );
    const report = benchCheck();
    if (!json) process.stdout.write(`${checkTables(report)}\n\n`);
    return report;
  }
  if (!json) process.stdout.write("sim: deterministic simulator, 5 nodes heartbeating over a lossy network\n");
  const rows = benchSim();
  if (!json) process.stdout.write(`${simTable(rows)}\n\n`);
  return rows;
}
