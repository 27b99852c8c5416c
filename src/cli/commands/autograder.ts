import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { autograderEntries } from "../../lab/autograder.ts";
import { findLab, listLabs, UsageError } from "../../lab/catalogue.ts";
import { zip } from "../../lab/zip.ts";
import { oneOf, parse } from "../args.ts";

const USAGE = "distlab autograder gradescope <lab> --out autograder.zip [--sandbox auto|required]";

/**
 * Builds the zip Gradescope runs for a lab. `--sandbox required` makes every grading refuse to run
 * without bubblewrap (Gradescope's containers may not allow its namespaces; `auto`, the default, then
 * grades with the fallback isolation and says so in every result).
 */
export async function autograderCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { out: { type: "string" }, sandbox: { type: "string" }, help: { type: "boolean", short: "h" } },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  const [platform, labName, ...rest] = positionals;
  if (platform !== "gradescope" || labName === undefined || rest.length > 0) {
    throw new UsageError(
      `expected 'gradescope' and a lab${platform && platform !== "gradescope" ? ` (not '${platform}')` : ""}\nusage: ${USAGE}`,
    );
  }
  if (!values.out) throw new UsageError(`--out FILE is needed: where to write the zip\nusage: ${USAGE}`);
  const lab = await findLab(labName);
  if (!lab.hasSolutions)
    throw new UsageError(`the autograder needs ${lab.name}'s hidden tests: build it from the instructor edition`);
  const sandbox = oneOf("sandbox", values.sandbox, ["auto", "required"] as const, "auto");
  const entries = autograderEntries(lab, await listLabs(), sandbox);
  await writeFile(resolve(values.out), zip(entries));
  process.stderr.write(
    `wrote ${values.out}: ${entries.length} files (lab ${lab.name}, its prerequisites, the kit; sandbox ${sandbox})\n`,
  );
  return 0;
}
