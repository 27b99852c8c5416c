import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listLabs, type Lab } from "./catalogue.ts";
import { KIT_ROOT } from "./paths.ts";

/** The lab `distlab test` runs when none is named: the last one named, else the latest released. */
const REMEMBERED = join(KIT_ROOT, ".distlab", "current-lab");

export async function currentLab(): Promise<{ lab: Lab; why: string }> {
  const labs = await listLabs();
  const remembered = existsSync(REMEMBERED) ? readFileSync(REMEMBERED, "utf8").trim() : "";
  const named = labs.find((lab) => lab.name === remembered);
  if (named) return { lab: named, why: "the lab you tested last" };
  const latest = labs.at(-1);
  if (!latest) throw new Error("there is no lab here yet");
  return { lab: latest, why: "the latest lab released" };
}

export function rememberCurrentLab(lab: Lab): void {
  mkdirSync(join(KIT_ROOT, ".distlab"), { recursive: true });
  writeFileSync(REMEMBERED, `${lab.name}\n`);
}
