#!/usr/bin/env node
// The distlab CLI entry: checks the Node version, teaches Node to load TypeScript (tsx) and to resolve
// the kit's module paths, then hands over to src/cli/main.ts.
const [major] = process.versions.node.split(".").map(Number);
if (major < 22) {
  process.stderr.write(
    `distlab needs Node 22 or newer (the kit targets Node 24 LTS); this is Node ${process.version} at ${process.execPath}.\n` +
      "Run it through the repo's Node: `npx distlab ...` or `npm run ...` after `npm install` (Node 24 comes from the npm registry as a devDependency).\n",
  );
  process.exit(2);
}
const nodeModule = await import("node:module");
// V8's compiled code (and Node's type-stripped TypeScript) cached on disk, in the OS temp folder:
// a second run skips recompiling what did not change.
nodeModule.enableCompileCache?.();
if (process.argv[2] === "check" && process.features.typescript) {
  // `check` is timed against Porcupine, whole process included, and its modules are erasable TypeScript
  // with relative imports only: Node strips their types itself, which skips tsx and the resolve hook
  // (most of the CLI's start-up time). An unexpected error is reported the way main() reports it.
  try {
    const { checkCommand } = await import("../src/cli/commands/check.ts");
    process.exitCode = await checkCommand(process.argv.slice(3));
  } catch (error) {
    process.stderr.write(`distlab check: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
} else {
  await import("../src/cli/register.js");
  const { main } = await import("../src/cli/main.ts");
  process.exitCode = await main(process.argv.slice(2));
}
