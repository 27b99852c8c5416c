import { findLab, listLabs } from "../../lab/catalogue.ts";
import { starterDrift, writeStarter } from "../../lab/starter.ts";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { KIT_ROOT } from "../../lab/paths.ts";
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
  const paths = await tsconfigPaths();
  for (const lab of labs) {
    const path = typePath(lab.name, paths);
    if (path) {
      process.stderr.write(path);
      drift++;
    }
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
      process.stderr.write(
        `${drift} file(s) out of date: run 'npx distlab starter' and commit labs/ and tsconfig.json\n`,
      );
      return 1;
    }
    process.stdout.write(`starters up to date (${labs.length} lab${labs.length === 1 ? "" : "s"})\n`);
  }
  return 0;
}

async function tsconfigPaths(): Promise<Record<string, string[]>> {
  const tsconfig = JSON.parse(await readFile(join(KIT_ROOT, "tsconfig.json"), "utf8")) as {
    compilerOptions?: { paths?: Record<string, string[]> };
  };
  return tsconfig.compilerOptions?.paths ?? {};
}

/**
 * A later lab's `@distlab/lab/NN-slug/...` imports typecheck against the starter through tsconfig.json's
 * `paths`, one line per lab; what to add when a lab has none.
 */
function typePath(name: string, paths: Record<string, string[]>): string | undefined {
  const key = `@distlab/lab/${name}/*`;
  const value = `./labs/${name}/src/*`;
  if (paths[key]?.length === 1 && paths[key][0] === value) return undefined;
  return `tsconfig.json: compilerOptions.paths needs "${key}": ["${value}"], so that imports of lab ${name} typecheck\n`;
}
