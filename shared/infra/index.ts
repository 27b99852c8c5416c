export { findEtcdBinary, startLocalEtcd, type LocalEtcd } from "./etcd.ts";
export { findNats, findNatsServerBinary, startLocalNats, type NatsLookup, type NatsServer } from "./nats.ts";
