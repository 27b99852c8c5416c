// @distlab/kit/observe — what a service under test does, not only what it answers: its writes, syncs,
// renames and closes in its data folder, the requests it receives and the replies it sends, its memory,
// in the order they happen (harness: startService({ observe: {...} }), then service.observation()).
export {
  coveringSync,
  firstWriteContaining,
  inFlightAt,
  Observation,
  type FileEvent,
  type FileOperation,
  type FileOperationKind,
  type MemoryEvent,
  type ObservedEvent,
  type ReplyEvent,
  type RequestEvent,
} from "./events.ts";
export { observedSpawn, type ObserveOptions } from "./attach.ts";
