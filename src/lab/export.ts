import { existsSync } from "node:fs";
import { cp, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { listLabs } from "./catalogue.ts";
import { KIT_ROOT } from "./paths.ts";

/** What the student edition takes from the kit; everything else (solutions/, .ci/, instructor notes) stays. */
const COPIED = [
  "bin",
  "src",
  "shared",
  "course/syllabus.md",
  ".devcontainer",
  "Makefile",
  "package-lock.json",
  "tsconfig.json",
  "vitest.config.ts",
  "vitest.lab.config.ts",
  "eslint.config.js",
  ".prettierrc.json",
  ".prettierignore",
  ".gitignore",
];

export interface ExportResult {
  dir: string;
  labs: string[];
}

/**
 * Writes the student edition: the kit runtime, the CLI, each lab's starter, handout and visible tests,
 * and manifests without the hidden groups. No solution code and no hidden test leaves the kit.
 */
export async function exportStudentEdition(dir: string): Promise<ExportResult> {
  if (existsSync(dir) && (await readdir(dir)).length > 0) {
    throw new Error(`${dir} is not empty; export into a new folder so nothing of yours is overwritten`);
  }
  await mkdir(dir, { recursive: true });
  for (const entry of COPIED) {
    const from = join(KIT_ROOT, entry);
    if (!existsSync(from)) continue;
    await mkdir(dirname(join(dir, entry)), { recursive: true });
    await cp(from, join(dir, entry), { recursive: true, filter: (path) => !isLocalState(path) });
  }
  const labs = await listLabs();
  for (const lab of labs) {
    const to = join(dir, "labs", lab.name);
    await cp(lab.labDir, to, { recursive: true, filter: (path) => !isLocalState(path) });
    const manifest = { ...lab.manifest, tests: lab.manifest.tests.filter((group) => !group.hidden) };
    await writeFile(join(to, "lab.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  const pkg = JSON.parse(await readFile(join(KIT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  pkg.scripts = {
    test: "node bin/distlab.js test all",
    typecheck: pkg.scripts.typecheck!,
    lint: pkg.scripts.lint!,
    demo: pkg.scripts.demo!,
  };
  await writeFile(join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  await writeFile(join(dir, "README.md"), studentReadme(labs.map((lab) => `${lab.name} — ${lab.manifest.title}`)));
  return { dir, labs: labs.map((lab) => lab.name) };
}

function isLocalState(path: string): boolean {
  const rel = relative(KIT_ROOT, path);
  return /(^|\/)(node_modules|\.distlab|data)(\/|$)/.test(rel);
}

function studentReadme(labs: string[]): string {
  return `# distlab — student edition

The labs of the course, each with a handout (\`labs/NN-slug/README.md\`), starter code to complete
(\`labs/NN-slug/src/\`) and the visible tests that grade it (\`labs/NN-slug/tests/\`).

## Quickstart

\`\`\`sh
npm install   # also brings Node 24 from the npm registry, used by every npm and npx command here
npm test      # runs every lab's visible tests; on the untouched starters they all fail with a TODO
\`\`\`

## Working on a lab

\`\`\`sh
npx distlab list                 # the labs, their weeks and points
npx distlab test 01              # one lab's visible tests, with a score table
npx distlab test 01 --watch      # rerun as you edit
npx distlab run 01 kv --target labs --port 8080   # run your service by hand
npx distlab doctor               # check Node and the optional tools (etcd, nats, docker)
\`\`\`

A failing test names the step of the handout to read: \`TODO(lab01 §3)\` means step 3 of
\`labs/01-kv/README.md\`. Your grade also counts hidden tests that check the same contract harder; the
visible ones tell you what the contract is.

## Labs

${labs.map((lab) => `- ${lab}`).join("\n")}
`;
}
