import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readManifest } from "./manifest.ts";

const scratch = mkdtempSync(join(tmpdir(), "distlab-manifest-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const valid = {
  id: "02",
  slug: "rpc",
  title: "RPC",
  week: 3,
  prerequisites: ["01"],
  timeLimitSeconds: 600,
  services: {},
  tests: [{ name: "contract", file: "tests/contract.test.ts", points: 10 }],
};

function manifest(content: unknown): string {
  const path = join(scratch, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

describe("lab manifests, the only source of points", () => {
  it("reads a valid manifest, with groups visible unless marked hidden", async () => {
    const read = await readManifest(manifest(valid));
    expect(read.tests[0]).toEqual({ name: "contract", file: "tests/contract.test.ts", points: 10, hidden: false });
  });

  it("names every field that is wrong, and why", async () => {
    const bad = { ...valid, tests: [{ name: "x", file: "contract.ts", points: -1 }], prerequisites: ["03"] };
    const error = await readManifest(manifest(bad)).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/tests\.0\.file: a test file under tests\//);
    expect((error as Error).message).toMatch(/tests\.0\.points/);
    expect((error as Error).message).toMatch(/prerequisites\.0: lab 03 is not earlier than lab 02/);
  });

  it("says which file is not JSON", async () => {
    const path = manifest("{ not json");
    await expect(readManifest(path)).rejects.toThrow(new RegExp(`cannot read the lab manifest ${path}`));
  });
});
