// The Gradescope autograder of one lab: a zip holding the kit (runtime, CLI, the lab and its prerequisites,
// the lab's hidden tests and the prerequisites' reference code), `setup.sh`, which Gradescope runs once
// to build the image, and `run_autograder`, which it runs for each submission.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { Lab } from "./catalogue.ts";
import { KIT_ROOT } from "./paths.ts";
import { prerequisitesOf } from "./prereqs.ts";
import type { ZipEntry } from "./zip.ts";

/** What of the kit grading needs, besides the labs: the runtime, the CLI, the dependency lock, the configs. */
const KIT_ENTRIES = [
  "bin",
  "src",
  "shared",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "vitest.config.ts",
  "vitest.lab.config.ts",
];

/** Never in an archive: installed dependencies, local state, and scratch data of services. */
const LOCAL_STATE = /(^|\/)(node_modules|\.distlab|data)(\/|$)/;

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

export type SandboxMode = "auto" | "required";

export function setupScript(): string {
  return `#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu).
set -euo pipefail
cd "$(dirname "$0")"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
  ca-certificates nodejs npm bubblewrap util-linux unzip
# The system's Node only runs npm: npm ci brings Node 24 from the npm registry (the kit's "node" package).
npm ci --no-audit --no-fund --loglevel=error
node_modules/.bin/node bin/distlab.js doctor
`;
}

export function runScript(lab: Lab, sandbox: SandboxMode): string {
  return `#!/usr/bin/env bash
# Gradescope runs this for each submission: grade it in the sandbox, write results/results.json.
# DISTLAB_AUTOGRADER_ROOT (default /autograder) moves every path at once, to try it outside Gradescope.
set -uo pipefail
ROOT="\${DISTLAB_AUTOGRADER_ROOT:-/autograder}"
SOURCE="\${DISTLAB_AUTOGRADER_SOURCE:-$ROOT/source}"
SUBMISSION="\${DISTLAB_AUTOGRADER_SUBMISSION:-$ROOT/submission}"
RESULTS="\${DISTLAB_AUTOGRADER_RESULTS:-$ROOT/results}"
mkdir -p "$RESULTS" "$SOURCE/.distlab"
cd "$SOURCE"
NODE=node_modules/.bin/node
[ -x "$NODE" ] || NODE=node
if ! "$NODE" bin/distlab.js grade ${lab.manifest.id} --target "$SUBMISSION" --format gradescope \\
    --out "$RESULTS/results.json" --sandbox ${sandbox} 2>"$SOURCE/.distlab/grader.log"; then
  # The student still gets a result; the reason stays in the grader's log, for the instructor.
  printf '%s\\n' '{"score": 0, "output": "The autograder could not grade this submission; your instructor has the log.", "visibility": "visible", "stdout_visibility": "hidden", "tests": []}' \\
    >"$RESULTS/results.json"
  cat "$SOURCE/.distlab/grader.log"
fi
`;
}

/** The files of the autograder archive for `lab`, at the paths Gradescope unpacks them to. */
export function autograderEntries(lab: Lab, labs: Lab[], sandbox: SandboxMode): ZipEntry[] {
  const prerequisites = prerequisitesOf(lab, labs);
  const paths = [
    ...KIT_ENTRIES.flatMap((entry) => filesUnder(join(KIT_ROOT, entry))),
    ...[lab, ...prerequisites].flatMap((each) => filesUnder(each.labDir)),
    ...filesUnder(join(lab.solutionDir, "src")),
    ...filesUnder(join(lab.solutionDir, "tests")),
    ...prerequisites.flatMap((each) => filesUnder(join(each.solutionDir, "src"))),
  ];
  const kitFiles = paths
    .map((path) => relative(KIT_ROOT, path).split(sep).join("/"))
    .filter((path) => !LOCAL_STATE.test(path))
    .sort()
    .map((path) => ({
      path,
      data: readFileSync(join(KIT_ROOT, path)),
      mode: statSync(join(KIT_ROOT, path)).mode & 0o777,
    }));
  return [
    { path: "setup.sh", data: Buffer.from(setupScript()), mode: 0o755 },
    { path: "run_autograder", data: Buffer.from(runScript(lab, sandbox)), mode: 0o755 },
    ...kitFiles,
  ];
}
