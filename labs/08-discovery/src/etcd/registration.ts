import type { Etcd3, Lease } from "etcd3";
import type { Logger } from "pino";
import { encodeInstance } from "../instance.ts";
import type { Registration } from "../registration.ts";
import type { ServiceInstance } from "../resolver.ts";
import { retryUntilDone } from "../retry.ts";
import { todo } from "@distlab/kit/service";

/**
 * Step 2: an instance in etcd is a key attached to a lease. The lease lives as long as someone keeps it
 * alive; when the process dies (kill -9, a crash, a cut cable), the keep-alives stop, the lease expires
 * after its TTL and etcd deletes the key — every watcher sees the instance go. Deregistering on a clean
 * stop is revoking the lease: the key goes at once, nobody waits for the TTL.
 */

export class EtcdRegistration implements Registration {
  private lease: Lease | undefined;
  private current: ServiceInstance;
  private stopped = false;
  private retrying = false;

  constructor(
    private readonly client: Etcd3,
    private readonly key: string,
    instance: ServiceInstance,
    private readonly ttlSeconds: number,
    private readonly logger?: Logger,
  ) {
    this.current = instance;
  }

  get instance(): ServiceInstance {
    return this.current;
  }

  get registered(): boolean {
    return this.lease !== undefined && !this.stopped;
  }

  /** One attempt: a lease kept alive, the instance under it. Rejects when etcd cannot be reached. */
  async register(): Promise<void> {
    return todo("TODO(lab08 §2): grant a lease that is kept alive, put the instance under it, register again when it is lost — see labs/08-discovery/README.md, step 2");
  }

  /** Registers, retrying with backoff until it worked or deregister() was called. */
  async keepTrying(): Promise<void> {
    if (this.retrying) return;
    this.retrying = true;
    await retryUntilDone(
      "etcd registration",
      () => this.register(),
      () => this.stopped || this.lease !== undefined,
      this.logger,
    );
    this.retrying = false;
  }

  /** New tags or meta: the same key, rewritten under the same lease. */
  async update(instance: ServiceInstance): Promise<void> {
    this.current = instance;
    if (this.lease && !this.stopped) await this.lease.put(this.key).value(encodeInstance(instance));
  }

  async deregister(): Promise<void> {
    return todo("TODO(lab08 §2): stop registering again, and revoke the lease: etcd deletes the key at once — see labs/08-discovery/README.md, step 2");
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.lease?.release();
    this.lease = undefined;
  }
}
