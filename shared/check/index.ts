// @distlab/kit/check — a linearizability checker (Wing–Gong search with Lowe's memoisation, per partition).
export type { Operation, Model, Partition, PartitionResult, CheckResult, CheckOptions, Verdict } from "./model.ts";
export { checkHistory } from "./linearizability.ts";
export { parseHistory, readHistoryFile, formatHistory, HistoryError } from "./history.ts";
export { kvModel, type KvInput, type KvOutput, type KvValue, type KvOperation } from "./models/kv.ts";
export {
  generateKvHistory,
  generateKvHistoryWithOrder,
  type GenerateOptions,
  type GeneratedHistory,
} from "./generate.ts";
export { generateBuggyKvHistory, PLANTED_BUGS, type PlantedBug, type BuggyHistory } from "./planted-bugs.ts";
export { renderHistoryHtml, type HistoryHtmlOptions } from "./html.ts";
export {
  checkerBenchCases,
  checkCliTiming,
  writeBenchHistory,
  type CheckerBenchOptions,
  type CheckerBenchCase,
  type CliBenchTiming,
} from "./bench.ts";
