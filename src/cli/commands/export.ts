import { resolve } from "node:path";
import { exportStudentEdition, updateStudentEdition, type ExportResult } from "../../lab/export.ts";
import { parse, UsageError } from "../args.ts";

const USAGE =
  "distlab export --student DIR [--through NN] [--reference-through KK]\n" +
  "       distlab export --update DIR [--through NN] [--reference-through KK]";

/**
 * Publishes the student edition week by week: `--student` writes a new one with the labs up to
 * `--through`; `--update` adds the labs released since to a student's repository, leaving the files they
 * changed alone. `--reference-through` also publishes the compiled reference of the past-due labs.
 */
export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      student: { type: "string" },
      update: { type: "string" },
      through: { type: "string" },
      "reference-through": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  if (positionals.length > 0 || (values.student === undefined) === (values.update === undefined)) {
    throw new UsageError(`say where the edition goes: --student DIR (a new one) or --update DIR\nusage: ${USAGE}`);
  }
  const options = {
    ...(values.through === undefined ? {} : { through: values.through }),
    ...(values["reference-through"] === undefined ? {} : { referenceThrough: values["reference-through"] }),
  };
  const run = values.student
    ? exportStudentEdition(resolve(values.student), options)
    : updateStudentEdition(resolve(values.update!), options);
  const result = await run.catch((error: Error) => {
    throw error instanceof UsageError ? error : new UsageError(error.message);
  });
  process.stdout.write(summary(result, values.student !== undefined));
  return 0;
}

function summary(result: ExportResult, created: boolean): string {
  const reference = result.release.referenceThrough
    ? `, with the compiled reference of the labs through ${result.release.referenceThrough}`
    : "";
  const lines = [
    `${created ? "wrote" : "updated"} the student edition in ${result.dir}: labs ${result.labs.join(", ")}${reference}`,
  ];
  if (!created) {
    lines.push(`${result.written.length} file(s) written`);
    if (result.kept.length > 0) lines.push(`${result.kept.length} file(s) you changed were left as they are`);
  } else {
    lines.push(`next: cd ${result.dir} && npm install && npm test`);
  }
  return `${lines.join("\n")}\n`;
}
