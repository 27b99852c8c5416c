// Lab 06's benchmark (`distlab bench 06`): how fast the lab's tests run, which is what lets students run
// them hundreds of times. In one run: the whole graded suite on one seed (MIT 6.5840's takes about six
// minutes, a figure quoted from the course, since Go is not here to run it); a few seeds of the
// whole suite with --jobs 2, projected to 100 seeds; each long scenario run twice on one seed, with its trace
// hashes compared (the determinism check) and its simulated events per wall second; and the searches,
// with the worlds they explore. Targets: the suite under 30 s, 100 seeds under 10 minutes.
import { runDistlab, type BenchOptions, type BenchReport, type BenchRow } from "@distlab/kit/bench";
import { checkDeterminism, explore, type Simulator } from "@distlab/kit/sim";
import { RaftCluster, SNAPSHOT_INTERVAL, type ClusterOptions } from "../tests/cluster.ts";
import { churn, figure8, figure8Unreliable, snapshotRounds } from "../tests/scenarios.ts";
import { electionSearch, figure8Search, logMatchingSearch } from "../tests/search-support.ts";

/** Seeds per test run in a sweep of 100 seeds with --jobs 2 (src/lab/seed-sweep.ts: batches of at most 10). */
const SWEEP_BATCH = 10;
/** MIT 6.5840's Lab 3 tests take about six minutes of wall time per run (their lab page and students' logs). */
const MIT_SUITE_MS = 360_000;

interface Scenario {
  name: string;
  cluster: ClusterOptions;
  run: (cluster: RaftCluster) => void;
}

const SCENARIOS: Scenario[] = [
  { name: "Figure 8", cluster: { servers: 5 }, run: (cluster) => figure8(cluster) },
  { name: "Figure 8 (unreliable)", cluster: { servers: 5, unreliable: true }, run: (c) => figure8Unreliable(c) },
  { name: "unreliable churn", cluster: { servers: 5, unreliable: true }, run: (cluster) => churn(cluster, true) },
  {
    name: "install snapshots (unreliable+crash)",
    cluster: { servers: 3, unreliable: true, snapshotEvery: SNAPSHOT_INTERVAL },
    run: (cluster) => snapshotRounds(cluster, { disconnect: false, crash: true }),
  },
];

export async function bench(options: BenchOptions): Promise<BenchReport> {
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  options.log("the whole graded suite (every group, hidden ones included), one seed");
  const suite = await timed(() => runDistlab(["grade", "06", "--target", options.target, "--format", "json"]));
  const score = JSON.parse(suite.value) as { score: number; max_score: number };
  rows.push(wallRow("whole suite, one seed (distlab grade)", 2, suite.ms));
  rows.push(wallRow("MIT 6.5840 Lab 3 suite (published ~6 min, quoted)", 1, MIT_SUITE_MS));
  notes.push(
    `whole suite: ${(suite.ms / 1000).toFixed(1)} s wall for ${score.score}/${score.max_score} points (target: under 30 s on 2 cores)`,
  );

  // `distlab test 06 --seeds 100 --jobs 2 --hidden` runs ten batches of ten seeds, two at a time
  // (seedBatches): five rounds like this one, two batches of ten side by side, each one run of every group,
  // hidden ones included (DISTLAB_SEEDS), which is what `distlab grade` runs too.
  options.log(`one round of the 100-seed sweep of the whole suite: two batches of ${SWEEP_BATCH} seeds side by side`);
  const sweepRound = await timed(() =>
    Promise.all(
      [0, 1].map(async (batch) => {
        const seeds = Array.from({ length: SWEEP_BATCH }, (_, i) => batch * SWEEP_BATCH + i + 1);
        const out = await runDistlab(["grade", "06", "--target", options.target, "--format", "json"], {
          allowFailure: true,
          env: { DISTLAB_SEEDS: seeds.join(",") },
        });
        const batchScore = JSON.parse(out) as { score: number; max_score: number };
        return batchScore.score < batchScore.max_score;
      }),
    ),
  );
  const perSeed = sweepRound.ms / (2 * SWEEP_BATCH);
  const failedBatches = sweepRound.value.filter((lostPoints) => lostPoints).length;
  rows.push({
    ...wallRow(`seed sweep of the whole suite --jobs 2 (one round of 2×${SWEEP_BATCH} seeds; ms per seed)`, 2, perSeed),
    errors: failedBatches,
  });
  notes.push(
    `100 seeds of the whole suite at this pace (5 such rounds, as \`distlab test 06 --seeds 100 --jobs 2 --hidden\` runs them): ` +
      `${((sweepRound.ms * 5) / 60_000).toFixed(1)} min (target: under 10 min)` +
      (failedBatches > 0 ? `; ${failedBatches} of 2 batches lost points` : ""),
  );

  process.env.DISTLAB_LAB = "06-raft";
  process.env.DISTLAB_TARGET = options.target;
  for (const scenario of SCENARIOS) {
    options.log(`scenario "${scenario.name}", twice on seed 1 (determinism check)`);
    const { row, note } = await scenarioRow(scenario);
    rows.push(row);
    notes.push(note);
  }
  for (const make of [electionSearch, logMatchingSearch, figure8Search]) {
    const search = await make();
    options.log(`search "${search.name}"`);
    const result = explore(search);
    rows.push({
      system: `search: ${search.name} (worlds)`,
      concurrency: 1,
      rps: Math.round(result.stats.states / Math.max(result.stats.elapsedMs / 1000, 0.001)),
      p50_ms: result.stats.elapsedMs,
      p99_ms: result.stats.elapsedMs,
      unit: "worlds",
      errors: result.ok ? 0 : 1,
    });
    notes.push(result.summary);
  }
  return { rows, ratios: { "mit-6.5840 (published ~6 min)": round(MIT_SUITE_MS / suite.ms) }, notes };
}

async function scenarioRow(scenario: Scenario): Promise<{ row: BenchRow; note: string }> {
  const walls: number[] = [];
  let events = 0;
  const run = async (sim: Simulator) => {
    const started = performance.now();
    scenario.run(await RaftCluster.open(sim, scenario.cluster));
    walls.push(performance.now() - started);
    events = sim.eventCount;
  };
  const report = await checkDeterminism(run, 1, { name: scenario.name, simulator: { durability: "sync" } });
  const wall = Math.min(...walls);
  return {
    row: {
      system: `scenario: ${scenario.name} (simulated events)`,
      concurrency: 1,
      rps: Math.round(events / (wall / 1000)),
      p50_ms: round(wall),
      p99_ms: round(Math.max(...walls)),
      unit: "simulated events",
      errors: report.deterministic ? 0 : 1,
    },
    note: `${scenario.name}: ${events} events, ${report.deterministic ? "same trace hash twice" : "NOT deterministic"} (${report.hashes[0].slice(0, 12)})`,
  };
}

function wallRow(system: string, concurrency: number, ms: number): BenchRow {
  return { system, concurrency, rps: round(1000 / ms, 4), p50_ms: round(ms), p99_ms: round(ms), unit: "runs" };
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
