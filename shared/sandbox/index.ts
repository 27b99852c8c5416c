// @distlab/kit/sandbox — running submitted code away from the process that scores it.
export type { NodeHost, NodeHostOptions, RemoteHandle, RemoteNodeDef } from "./types.ts";
export { closeNodeHosts, nodeHost, openNodeHost } from "./node-host.ts";
export { spawnSandboxed, type SandboxPolicy, type SandboxedProcess } from "./spawn.ts";
export { DEFAULT_LIMITS, nodeHeapArgs, type Limits } from "./limits.ts";
