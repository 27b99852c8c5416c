import { findLab, listLabs } from "../../lab/catalogue.ts";
import { starterDrift, writeStarter } from "../../lab/starter.ts";
import { parse } from "../args.ts";

const USAGE = "distlab starter [lab...] [--check]";

export async function starterCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { check: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  const wanted = new Set((await Promise.all(positionals.map(findLab))).map((lab) => lab.name));
  const labs = (await listLabs()).filter((lab) => lab.hasSolutions && (wanted.size === 0 || wanted.has(lab.name)));
  if (labs.length === 0) {
    process.stderr.write("distlab starter: no solutions/ here; starters are generated in the instructor edition\n");
    return 2;
  }
  let drift = 0;
  for (const lab of labs) {
    if (values.check) {
      const { changed, extra } = await starterDrift(lab);
      for (const file of changed)
        process.stderr.write(`labs/${lab.name}/src/${file}: differs from what solutions/${lab.name} generates\n`);
      for (const file of extra)
        process.stderr.write(`labs/${lab.name}/src/${file}: has no source in solutions/${lab.name}/src\n`);
      drift += changed.length + extra.length;
    } else {
      const { written, removed } = await writeStarter(lab);
      for (const file of written) process.stdout.write(`wrote labs/${lab.name}/src/${file}\n`);
      for (const file of removed) process.stdout.write(`removed labs/${lab.name}/src/${file}\n`);
    }
  }
  if (values.check) {
    if (drift > 0) {
      process.stderr.write(`${drift} file(s) out of date: run 'npx distlab starter' and commit labs/\n`);
      return 1;
    }
    process.stdout.write(`starters up to date (${labs.length} lab${labs.length === 1 ? "" : "s"})\n`);
  }
  return 0;
}
