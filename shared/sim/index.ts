// @distlab/kit/sim — deterministic simulation of distributed nodes, and the live runtime for the same node code.
export type {
  Env,
  NodeDef,
  NodeId,
  Storage,
  Timer,
  TimerId,
  LinkConfig,
  DropReason,
  TraceEvent,
  TraceEventKind,
  TraceHeader,
} from "./types.ts";
export { Prng, hashString } from "./prng.ts";
export {
  Simulator,
  SimulationError,
  type SimulatorOptions,
  type SimClient,
  type SimObserver,
  type StepInfo,
} from "./simulator.ts";
export { Network, DEFAULT_LINK, type NetworkOptions } from "./network.ts";
export { MemoryStorage, JsonFileStorage, type MemoryStorageOptions } from "./storage.ts";
export { canonicalJson, TraceRecorder } from "./trace.ts";
export { NondeterminismError, type GuardMode, type Violation } from "./guard.ts";
export {
  checkDeterminism,
  assertDeterministic,
  LIKELY_CAUSES,
  type DeterminismReport,
  type DeterminismOptions,
  type Scenario,
} from "./determinism.ts";
export { forEachSeed, selectSeeds, SeedFailure, type SeedRunOptions } from "./seeds.ts";
export {
  LiveNode,
  EmbeddedTransport,
  startLiveCluster,
  type Transport,
  type LiveNodeOptions,
  type LiveCluster,
} from "./live.ts";
export { createNatsTransport, natsSubject, type NatsTransportOptions } from "./nats.ts";
export { openMessageBus, type MessageBus } from "./bus.ts";
export { HttpTransport, type HttpTransportOptions } from "./http-transport.ts";
export {
  DurableStorage,
  isGroupCommitStorage,
  type DurableStorageOptions,
  type DurableStorageStats,
  type GroupCommitStorage,
} from "./durable-storage.ts";
export {
  readTraceFile,
  parseTrace,
  renderTextTimeline,
  renderHtmlTimeline,
  describeEvent,
  TraceFormatError,
  type ParsedTrace,
} from "./render.ts";
export { simulatorBenchRows, runHeartbeatScenario, type BenchRow } from "./bench.ts";
export {
  explore,
  SearchError,
  type SearchOptions,
  type SearchResult,
  type SearchInvariant,
  type SearchView,
  type SearchStats,
  type SearchViolation,
} from "./search.ts";
