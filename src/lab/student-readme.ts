/**
 * The README of a student edition: the quickstart and the loop of a week. It says nothing that changes
 * from one release to the next (`npx distlab list` shows the labs), so that adding a lab never has to
 * touch it.
 */
export function studentReadme(): string {
  return `# distlab — student edition

The labs of the course, each with a handout (\`labs/NN-slug/README.md\`), starter code to complete
(\`labs/NN-slug/src/\`) and the visible tests that grade it (\`labs/NN-slug/tests/\`). New labs arrive
week by week; your instructor adds them without touching the files you changed.

## Quickstart

Any Node from 20 on, with npm:

\`\`\`sh
npm install   # also brings Node 24 from the npm registry, which every npm and npx command here then uses
npm test      # the visible tests of the current lab, then its score table
\`\`\`

npm prints errors only (see \`.npmrc\`): the kit runs on the Node 24 it installs, so warnings that a
dependency wants a newer Node than your machine's do not apply. On the untouched starter every test fails
with a \`TODO\` that names a step of the handout.

## Working on a lab

\`\`\`sh
npx distlab list                 # the labs released so far, their weeks and points
npx distlab test 01              # one lab's visible tests, with a score table; it becomes the current lab
npx distlab test                 # the current lab again (npm test does the same)
npx distlab test 01 --watch      # rerun as you edit
npx distlab run 01 kv --port 8080 --data-dir /tmp/kv   # run your service by hand
npx distlab demo 01              # the lab's narrated demo, on your code
npx distlab doctor               # check Node and the optional tools (etcd, nats, docker)
\`\`\`

A failing test names the step of the handout to read: \`TODO(lab01 §3)\` means step 3 of
\`labs/01-kv/README.md\`. Your grade also counts hidden tests that check the same contract harder; the
visible ones tell you what the contract is.

## Labs that build on labs

A later lab imports your earlier labs (\`@distlab/lab/01-kv/...\`): you build on your own code, as you
would in a real project. When an earlier lab is not finished, or to see the score your grader will see
(grading runs each lab on the reference of the labs before it), run it on the reference instead:

\`\`\`sh
npx distlab test 02 --prereqs reference        # Lab 02 on Lab 01's reference
npx distlab test 03 --prereqs 01=reference     # mix: Lab 01's reference, your own Lab 02
\`\`\`

The reference of a lab is published, compiled, in \`reference/\` once the lab is past due; until then a
later lab runs on your own code only.
`;
}
