// Running a scenario over many seeds inside a test. When a seed fails, the error says which seed, how
// to replay it, and where its trace was written, so a student can reproduce and look at the run.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Simulator, type SimulatorOptions } from "./simulator.ts";

export interface SeedRunOptions {
  /** Seeds to run: a list, or a count N meaning seeds 1..N. `DISTLAB_SEED` overrides both. */
  seeds: number | number[];
  scenario: (sim: Simulator, seed: number) => void | Promise<void>;
  /** Scenario name, used in the trace header and file name. */
  name?: string;
  /** Lab id for the replay command; defaults to `DISTLAB_LAB`, else "<lab>". */
  lab?: string;
  simulator?: Omit<SimulatorOptions, "seed" | "name">;
}

export class SeedFailure extends Error {
  override name = "SeedFailure";
  constructor(
    message: string,
    readonly seed: number,
    readonly traceFile: string,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The seeds that will run: the given ones, unless `DISTLAB_SEEDS` (a comma-separated list: a seed sweep
 * running a batch of seeds in one test run) or `DISTLAB_SEED` (one seed: a replay) says otherwise.
 */
export function selectSeeds(seeds: number | number[], env: NodeJS.ProcessEnv = process.env): number[] {
  const batch = env["DISTLAB_SEEDS"];
  if (batch !== undefined && batch.trim() !== "") return parseSeedList(batch);
  const pinned = env["DISTLAB_SEED"];
  if (pinned !== undefined && pinned.trim() !== "") {
    const seed = Number(pinned);
    if (!Number.isSafeInteger(seed)) throw new Error(`DISTLAB_SEED must be an integer, got "${pinned}"`);
    return [seed];
  }
  if (typeof seeds === "number") return Array.from({ length: seeds }, (_, i) => i + 1);
  return seeds;
}

function parseSeedList(text: string): number[] {
  const seeds = text.split(",").map((part) => Number(part.trim()));
  if (seeds.some((seed) => !Number.isSafeInteger(seed)))
    throw new Error(`DISTLAB_SEEDS must be integers separated by commas, got "${text}"`);
  return seeds;
}

/**
 * Runs the scenario once per seed, stopping at the first failure with a replayable error. In a seed sweep
 * (`DISTLAB_SEEDS`) every seed runs, and the error for the first failure also lists every seed that failed.
 */
export async function forEachSeed(options: SeedRunOptions): Promise<void> {
  const name = options.name ?? "scenario";
  const sweeping = (process.env["DISTLAB_SEEDS"] ?? "").trim() !== "";
  const failures: SeedFailure[] = [];
  for (const seed of selectSeeds(options.seeds)) {
    const sim = new Simulator({ ...options.simulator, seed, name });
    try {
      await options.scenario(sim, seed);
    } catch (error) {
      failures.push(failureFor(error, sim, seed, name, options.lab));
      if (!sweeping) break;
    }
  }
  const first = failures[0];
  if (first === undefined) return;
  if (!sweeping) throw first;
  const seeds = failures.map((failure) => failure.seed).join(", ");
  throw new SeedFailure(`${first.message}\n  failing seeds: ${seeds}`, first.seed, first.traceFile, {
    cause: first.cause,
  });
}

function failureFor(error: unknown, sim: Simulator, seed: number, name: string, lab: string | undefined): SeedFailure {
  const labId = lab ?? process.env["DISTLAB_LAB"] ?? "<lab>";
  const dir = process.env["DISTLAB_TRACE_DIR"] ?? join(tmpdir(), "distlab-traces");
  const file = join(dir, `${slug(name)}-seed-${seed}.jsonl`);
  let traceNote = file;
  try {
    sim.writeTrace(file);
  } catch (writeError) {
    traceNote = `(could not write ${file}: ${(writeError as Error).message})`;
  }
  const reason = error instanceof Error ? error.message : String(error);
  const message = [
    reason,
    "",
    `  seed:   ${seed}`,
    `  replay: ${process.env["DISTLAB_REPLAY_COMMAND"] ?? `npx distlab test ${labId}`} --seed ${seed}`,
    `  trace:  ${traceNote}`,
    `          (timeline: npx distlab trace ${file})`,
  ].join("\n");
  return new SeedFailure(message, seed, file, { cause: error });
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 60) || "scenario"
  );
}
