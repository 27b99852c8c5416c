import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { findLab, listLabs, UsageError } from "../../lab/catalogue.ts";
import { labDirsEnv, labDirsFor, parsePrereqChoice, withLabDir, type LabDirs } from "../../lab/prereqs.ts";
import { resolveTarget } from "../../lab/targets.ts";
import { readLabDirs } from "../resolve-hook.js";
import { integerFlag, parse } from "../args.ts";

const USAGE =
  "distlab run <lab> <service> [--target labs|solutions|DIR] [--prereqs own|reference] [--port N] [--host H] [--data-dir D] [--nodes N]";

/** Runs one service of a lab in this process, in the foreground, until SIGTERM or Ctrl-C. */
export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      target: { type: "string" },
      prereqs: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      "data-dir": { type: "string" },
      nodes: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  if (positionals.length !== 2) throw new UsageError(`expected a lab and a service\nusage: ${USAGE}`);
  const lab = await findLab(positionals[0]!);
  const serviceName = positionals[1]!;
  const service = lab.manifest.services[serviceName];
  if (!service) {
    throw new UsageError(
      `lab ${lab.name} has no service '${serviceName}'; it has: ${Object.keys(lab.manifest.services).join(", ") || "none"}`,
    );
  }
  const targetName = values.target ?? (lab.hasSolutions ? "solutions" : "labs");
  const target = resolveTarget(lab, targetName);
  const port = integerFlag("port", values.port, 0, 65535) ?? 0;
  process.env.DISTLAB_PORT = String(port);
  process.env.DISTLAB_HOST = values.host ?? "127.0.0.1";
  process.env.DISTLAB_DATA_DIR = resolve(values["data-dir"] ?? `.distlab/data/${lab.name}/${serviceName}`);
  // For services that start a whole cluster (Lab 07's `cluster`): how many servers.
  const nodes = integerFlag("nodes", values.nodes, 1, 9);
  if (nodes !== undefined) process.env.DISTLAB_NODES = String(nodes);
  process.env.DISTLAB_LAB = lab.name;
  process.env.DISTLAB_TARGET = target;
  Object.assign(process.env, labDirsEnv(await prerequisiteMap(lab, targetName, target, values.prereqs)));
  await import(pathToFileURL(entryFile(target, service.entry)).href);
  await new Promise(() => {});
  return 0;
}

/** The service's entry in the target; a published reference holds it compiled, as .js. */
function entryFile(target: string, entry: string): string {
  const source = resolve(target, entry);
  const compiled = source.replace(/\.ts$/, ".js");
  return !existsSync(source) && existsSync(compiled) ? compiled : source;
}

/**
 * The map this service resolves earlier labs with: the run's own (a test started it) with this lab's
 * code taken from --target, or, run by hand, one computed from --prereqs.
 */
async function prerequisiteMap(
  lab: Awaited<ReturnType<typeof findLab>>,
  targetName: string,
  target: string,
  prereqs: string | undefined,
): Promise<LabDirs> {
  const inherited = readLabDirs() as LabDirs | undefined;
  const labs = await listLabs();
  if (inherited?.labs[lab.name] && prereqs === undefined) return withLabDir(inherited, lab, target, labs);
  return labDirsFor(lab, targetName, parsePrereqChoice(prereqs, lab), { labs });
}
