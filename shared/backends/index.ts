/**
 * @distlab/kit/backends — controllable HTTP backends for tests, demos and benchmarks of anything that sits
 * in front of a service (the gateway lab, proxies): each runs as its own process, echoes what reached
 * it, and answers late, fails, hangs up or reports itself unhealthy when told to.
 */
export {
  spawnListening,
  startBackend,
  stopAllBackends,
  type Backend,
  type ListeningProcess,
  type StartBackendOptions,
} from "./process.ts";
export {
  createBackendServer,
  type BackendOptions,
  type BackendStats,
  type Behaviour,
  type LoggedRequest,
} from "./server.ts";
