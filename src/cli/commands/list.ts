import { listLabs } from "../../lab/catalogue.ts";
import { parse } from "../args.ts";

const USAGE = "distlab list [--json]";

export async function listCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { json: { type: "boolean" }, help: { type: "boolean", short: "h" } }, USAGE);
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  const labs = (await listLabs()).map((lab) => ({
    id: lab.manifest.id,
    slug: lab.manifest.slug,
    name: lab.name,
    title: lab.manifest.title,
    week: lab.manifest.week,
    prerequisites: lab.manifest.prerequisites,
    points: lab.manifest.tests.reduce((sum, group) => sum + group.points, 0),
    visiblePoints: lab.manifest.tests.filter((group) => !group.hidden).reduce((sum, group) => sum + group.points, 0),
    services: Object.keys(lab.manifest.services),
    demo: lab.manifest.demo !== undefined,
    bench: lab.manifest.bench !== undefined,
    solutions: lab.hasSolutions,
  }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(labs, null, 2)}\n`);
    return 0;
  }
  const rows = labs.map((lab) => [
    lab.name,
    `week ${lab.week}`,
    `${lab.points} pts (${lab.visiblePoints} visible)`,
    `${lab.title}${lab.prerequisites.length > 0 ? ` (builds on ${lab.prerequisites.join(", ")})` : ""}`,
  ]);
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows)
    process.stdout.write(`${row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join("  ")}\n`);
  return 0;
}
