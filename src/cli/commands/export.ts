import { resolve } from "node:path";
import { exportStudentEdition } from "../../lab/export.ts";
import { parse, UsageError } from "../args.ts";

const USAGE = "distlab export --student DIR";

export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { student: { type: "string" }, help: { type: "boolean", short: "h" } },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  if (!values.student || positionals.length > 0)
    throw new UsageError(`say where the student edition goes\nusage: ${USAGE}`);
  const result = await exportStudentEdition(resolve(values.student)).catch((error: Error) => {
    throw new UsageError(error.message);
  });
  process.stdout.write(
    `wrote the student edition to ${result.dir} (${result.labs.join(", ")})\nnext: cd ${values.student} && npm install && npm test\n`,
  );
  return 0;
}
