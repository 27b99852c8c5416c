import { readFile } from "node:fs/promises";
import { z } from "zod";
import { ConfigError } from "./errors.ts";

const testGroupSchema = z.strictObject({
  /** What the group checks, as students read it in the score table. */
  name: z.string().min(1),
  /** The test file, relative to labs/NN-slug/ (visible) or solutions/NN-slug/ (hidden). */
  file: z.string().regex(/^tests\/[\w./-]+\.test\.ts$/, "a test file under tests/, ending in .test.ts"),
  points: z.number().positive(),
  hidden: z.boolean().default(false),
});

const serviceSchema = z.strictObject({
  /** The module that starts the service, relative to the target folder (e.g. src/main.ts). */
  entry: z.string().regex(/^src\/[\w./-]+\.ts$/, "a .ts file under src/"),
  description: z.string(),
});

/** A module of the lab folder (not of its src/: it holds no answers and students see it). */
const labModule = (folder: string) =>
  z
    .string()
    .regex(
      new RegExp(`^${folder}/[\\w./-]+\\.ts$`),
      `a .ts file under ${folder}/ in the lab's folder, e.g. ${folder}/main.ts`,
    );

export const manifestSchema = z
  .strictObject({
    id: z.string().regex(/^\d\d$/, "two digits, e.g. 01"),
    slug: z.string().regex(/^[a-z][a-z0-9-]*$/, "lowercase words joined by -"),
    title: z.string().min(1),
    week: z.number().int().min(1).max(13),
    /** Earlier labs (by id) this lab builds on: the only labs its code may import, as @distlab/lab/NN-slug/…. */
    prerequisites: z.array(z.string().regex(/^\d\d$/, "a lab id, two digits")),
    /** Wall-clock budget for the whole graded run; past it the remaining tests count as failed. */
    timeLimitSeconds: z.number().int().positive(),
    services: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), serviceSchema),
    /** `distlab demo NN` runs this module's `demo(options)`; relative to labs/NN-slug/. */
    demo: labModule("demo").optional(),
    /** `distlab bench NN` runs this module's `bench(options)`; relative to labs/NN-slug/. */
    bench: labModule("bench").optional(),
    tests: z.array(testGroupSchema).min(1),
  })
  .superRefine((manifest, context) => {
    manifest.prerequisites.forEach((id, index) => {
      const problem =
        id >= manifest.id
          ? `lab ${id} is not earlier than lab ${manifest.id}: a lab builds on earlier labs only`
          : manifest.prerequisites.indexOf(id) !== index
            ? `lab ${id} is listed twice`
            : undefined;
      if (problem) context.addIssue({ code: "custom", path: ["prerequisites", index], message: problem });
    });
  });

export type Manifest = z.infer<typeof manifestSchema>;
export type TestGroup = z.infer<typeof testGroupSchema>;

export async function readManifest(path: string): Promise<Manifest> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`cannot read the lab manifest ${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new ConfigError(`the lab manifest ${path} is invalid:\n  ${problems.join("\n  ")}`);
  }
  return parsed.data;
}
