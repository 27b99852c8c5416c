export { findEtcdBinary, startLocalEtcd, type LocalEtcd } from "./etcd.ts";
