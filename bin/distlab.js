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
const { register } = await import("node:module");
register("../src/cli/resolve-hook.js", import.meta.url);
const { register: registerTsx } = await import("tsx/esm/api");
registerTsx();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
