import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { labOfFile, resolveLabSpecifier } from "../cli/resolve-hook.js";
import type { Lab } from "./catalogue.ts";
import type { Manifest } from "./manifest.ts";
import { KIT_ROOT } from "./paths.ts";
import { labDirsEnv, labDirsFor, parsePrereqChoice, type LabDirs } from "./prereqs.ts";

const scratch = mkdtempSync(join(tmpdir(), "distlab-prereqs-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function write(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** A lab of a made-up edition under the scratch folder: labs/<name>, and solutions/<name> when solved. */
function fakeLab(id: string, slug: string, prerequisites: string[], solved: boolean): Lab {
  const name = `${id}-${slug}`;
  const labDir = join(scratch, "edition", "labs", name);
  const solutionDir = join(scratch, "edition", "solutions", name);
  write(join(labDir, "src", "index.ts"), "export const where = 'own';\n");
  if (solved) write(join(solutionDir, "src", "index.ts"), "export const where = 'reference';\n");
  const manifest = { id, slug, title: slug, week: 2, prerequisites, timeLimitSeconds: 60, services: {}, tests: [] };
  return { manifest: manifest as unknown as Manifest, name, labDir, solutionDir, hasSolutions: solved };
}

describe("the prerequisite map", () => {
  const kv = fakeLab("01", "kv", [], true);
  const rpc = fakeLab("02", "rpc", ["01"], true);
  const grpc = fakeLab("03", "grpc", ["01", "02"], true);
  const labs = [kv, rpc, grpc];

  it("takes every prerequisite, transitively, from the reference by default in the instructor edition", async () => {
    const map = await labDirsFor(grpc, "labs", undefined, { labs });
    expect(map.underTest).toBe("03-grpc");
    expect(map.labs["03-grpc"]).toEqual({ dir: grpc.labDir, prerequisites: ["01-kv", "02-rpc"], source: "target" });
    expect(map.labs["02-rpc"]).toEqual({ dir: rpc.solutionDir, prerequisites: ["01-kv"], source: "reference" });
    expect(map.labs["01-kv"]).toEqual({ dir: kv.solutionDir, prerequisites: [], source: "reference" });
  });

  it("takes the student's own labs with --prereqs own, and mixes per lab", async () => {
    const own = await labDirsFor(grpc, "labs", parsePrereqChoice("own", grpc), { labs });
    expect(own.labs["02-rpc"]).toMatchObject({ dir: rpc.labDir, source: "own" });
    expect(own.labs["01-kv"]).toMatchObject({ dir: kv.labDir, source: "own" });
    const mixed = await labDirsFor(grpc, "labs", parsePrereqChoice("01=reference,02=own", grpc), { labs });
    expect(mixed.labs["02-rpc"]).toMatchObject({ dir: rpc.labDir, source: "own" });
    expect(mixed.labs["01-kv"]).toMatchObject({ dir: kv.solutionDir, source: "reference" });
  });

  it("defaults to the student's own labs in the student edition", async () => {
    const studentRpc = { ...rpc, hasSolutions: false };
    const studentKv = { ...kv, hasSolutions: false };
    const map = await labDirsFor(studentRpc, "labs", undefined, { labs: [studentKv, studentRpc] });
    expect(map.labs["01-kv"]).toMatchObject({ dir: kv.labDir, source: "own" });
  });

  it("uses a published compiled reference in the student edition, and says when none is published", async () => {
    const studentKv = { ...kv, hasSolutions: false };
    const studentRpc = { ...rpc, hasSolutions: false };
    const publishedDir = join(scratch, "edition", "reference");
    const context = { labs: [studentKv, studentRpc], publishedDir };
    const reference = parsePrereqChoice("reference", studentRpc);
    await expect(labDirsFor(studentRpc, "labs", reference, context)).rejects.toThrow(
      /02-rpc builds on 01-kv, whose reference is not published in this edition yet/,
    );
    write(join(publishedDir, "01-kv", "src", "index.js"), "export const where = 'published';\n");
    const map = await labDirsFor(studentRpc, "labs", reference, context);
    expect(map.labs["01-kv"]).toMatchObject({ dir: join(publishedDir, "01-kv"), source: "published" });
  });

  it("finds the student's own earlier lab beside a submitted folder", async () => {
    const repo = join(scratch, "repo");
    write(join(repo, "01-kv", "src", "index.ts"), "export const where = 'submitted';\n");
    write(join(repo, "02-rpc", "src", "index.ts"), "export const where = 'submitted';\n");
    const map = await labDirsFor(rpc, join(repo, "02-rpc"), parsePrereqChoice("own", rpc), { labs });
    expect(map.labs["01-kv"]?.source).toBe("own");
    expect(map.labs["01-kv"]?.dir).toMatch(/\.distlab\/targets\/01-kv-[0-9a-f]{16}$/);
  });

  it("names a missing prerequisite lab and refuses a --prereqs it cannot read", async () => {
    await expect(labDirsFor(grpc, "labs", undefined, { labs: [grpc] })).rejects.toThrow(
      /labs\/03-grpc\/lab.json lists prerequisite 01, but there is no lab 01/,
    );
    expect(() => parsePrereqChoice("mine", rpc)).toThrow(/--prereqs: cannot read 'mine'/);
    expect(() => parsePrereqChoice("01=theirs", rpc)).toThrow(/cannot read '01=theirs'/);
  });
});

describe("the lab specifier", () => {
  const root = join(scratch, "resolve");
  const map: LabDirs = {
    underTest: "03-grpc",
    labs: {
      "01-kv": { dir: join(root, "kv"), prerequisites: [], source: "reference" },
      "02-rpc": { dir: join(root, "rpc"), prerequisites: ["01-kv"], source: "own" },
      "03-grpc": { dir: join(root, "grpc"), prerequisites: ["02-rpc"], source: "target" },
    },
  };
  const storeTs = write(join(root, "kv", "src", "store.ts"), "export const store = 1;\n");
  const compiled = write(join(root, "rpc", "src", "petstore", "checkout.js"), "export const checkout = 1;\n");
  const grpcMain = join(root, "grpc", "src", "main.ts");
  const rpcMain = join(root, "rpc", "src", "main.ts");

  it("resolves to the folder the map gives, and to compiled .js in a published reference", () => {
    expect(resolveLabSpecifier("@distlab/lab/01-kv/store.ts", rpcMain, map)).toBe(storeTs);
    expect(resolveLabSpecifier("@distlab/lab/02-rpc/petstore/checkout.ts", grpcMain, map)).toBe(compiled);
    expect(resolveLabSpecifier("./local.ts", grpcMain, map)).toBeUndefined();
  });

  it("knows a file's lab from the map's folders and from the kit's lab folders", () => {
    expect(labOfFile(grpcMain, map)).toBe("03-grpc");
    expect(labOfFile(join(root, "grpc", "tests", "x.test.ts"), map)).toBe("03-grpc");
    expect(labOfFile(join(KIT_ROOT, "labs", "04-actors", "demo", "main.ts"), map)).toBe("04-actors");
    expect(labOfFile(join(KIT_ROOT, "src", "cli", "main.ts"), map)).toBeUndefined();
  });

  it("refuses a lab that is not a prerequisite of the importing lab, naming both labs and the manifest", () => {
    expect(() => resolveLabSpecifier("@distlab/lab/01-kv/store.ts", grpcMain, map)).toThrow(
      /lab 03-grpc imports '@distlab\/lab\/01-kv\/store.ts'.*but 01-kv is not one of its prerequisites \(labs\/03-grpc\/lab.json "prerequisites" lists: 02-rpc\)/,
    );
  });

  it("refuses imports from outside any lab, malformed specifiers, missing files and runs without a map", () => {
    const kitFile = join(KIT_ROOT, "src", "cli", "main.ts");
    expect(() => resolveLabSpecifier("@distlab/lab/01-kv/store.ts", kitFile, map)).toThrow(
      /only a lab's code, tests, demo and benchmark may import a lab/,
    );
    expect(() => resolveLabSpecifier("@distlab/lab/01-kv", rpcMain, map)).toThrow(/write @distlab\/lab\/<NN-slug>/);
    expect(() => resolveLabSpecifier("@distlab/lab/01-kv/../x.ts", rpcMain, map)).toThrow(/write @distlab\/lab/);
    expect(() => resolveLabSpecifier("@distlab/lab/01-kv/nope.ts", rpcMain, map)).toThrow(
      /lab 01-kv \(reference code in .*\) has no src\/nope.ts/,
    );
    expect(() => resolveLabSpecifier("@distlab/lab/01-kv/store.ts", rpcMain, undefined)).toThrow(
      /no prerequisite map for this run \(DISTLAB_LAB_DIRS\)/,
    );
  });

  it("is enforced by the resolve hook of a process running lab code", () => {
    write(
      join(root, "rpc", "src", "uses-kv.ts"),
      'import { store } from "@distlab/lab/01-kv/store.ts";\nconsole.log(`store=${store}`);\n',
    );
    write(
      join(root, "grpc", "src", "uses-kv.ts"),
      'import { store } from "@distlab/lab/01-kv/store.ts";\nconsole.log(store);\n',
    );
    write(join(root, "package.json"), '{ "type": "module" }\n');
    const run = (file: string) =>
      spawnSync(process.execPath, ["--import", join(KIT_ROOT, "src", "cli", "register.js"), file], {
        env: { ...process.env, ...labDirsEnv(map) },
        encoding: "utf8",
      });
    const allowed = run(join(root, "rpc", "src", "uses-kv.ts"));
    expect(allowed.stderr).toBe("");
    expect(allowed.stdout).toBe("store=1\n");
    const refused = run(join(root, "grpc", "src", "uses-kv.ts"));
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/lab 03-grpc imports '@distlab\/lab\/01-kv\/store.ts'.*lab.json "prerequisites"/);
  });
});
