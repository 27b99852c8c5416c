export { findEtcdBinary, startLocalEtcd, type LocalEtcd } from "./etcd.ts";
export { startLocalEtcdCluster, type LocalEtcdCluster } from "./etcd-cluster.ts";
export { findNats, findNatsServerBinary, startLocalNats, type NatsLookup, type NatsServer } from "./nats.ts";
export { findEtcd, type EtcdLookup, type EtcdServer } from "./etcd-finder.ts";
export {
  findConsul,
  findConsulBinary,
  findRealConsul,
  startEmbeddedConsul,
  type ConsulLookup,
  type ConsulServer,
} from "./consul.ts";
export { containerRuntime, type ContainerRuntime } from "./containers.ts";
