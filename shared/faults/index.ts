/**
 * @distlab/kit/faults — fault-injecting proxies that tests, demos and the chaos lab put between two
 * services. `startFaultProxy` speaks HTTP; `startTcpFaultProxy` relays raw connections (gRPC, NATS).
 */
export { startFaultProxy } from "./http-proxy.ts";
export type { FaultProxy, FaultProxyOptions, HttpProxyStats } from "./http-proxy.ts";
export type { ProxiedCall } from "./call-log.ts";
export { startTcpFaultProxy } from "./tcp-proxy.ts";
export type { TcpFaultProxy, TcpFaultProxyOptions, TcpProxyStats } from "./tcp-proxy.ts";
export { FaultRuleError, httpRuleSchema, tcpRuleSchema } from "./rules.ts";
export type { HttpFault, HttpRule, HttpRuleInput, TcpFault, TcpRule, TcpRuleInput } from "./rules.ts";
export type { EngineStats, RuleStats } from "./engine.ts";
export { CONTROL_PREFIX } from "./control-api.ts";
export { createPrng } from "./prng.ts";
export type { Prng } from "./prng.ts";
