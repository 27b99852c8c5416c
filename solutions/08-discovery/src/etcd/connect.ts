import { Etcd3 } from "etcd3";

/**
 * An etcd client that gives up on a call after two seconds (streams — watches and keep-alives — excepted),
 * so a registry that stopped answering is noticed instead of waited on forever.
 */
export const ETCD_CALL_TIMEOUT_MS = 2_000;

export function connectEtcd(endpoints: string[]): Etcd3 {
  return new Etcd3({
    hosts: endpoints,
    dialTimeout: ETCD_CALL_TIMEOUT_MS,
    defaultCallOptions: (context) =>
      context.isStream ? {} : { deadline: new Date(Date.now() + ETCD_CALL_TIMEOUT_MS) },
  });
}
