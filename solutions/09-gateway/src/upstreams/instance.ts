import { Http1Pool } from "@distlab/kit/http-engine";
import type { ServiceInstance } from "./discovery.ts";

/**
 * One instance of an upstream, with everything the gateway knows about it: its keep-alive connection
 * pool, the requests it is serving now, what active health checks and passive outlier detection think
 * of it. The same object lives across discovery updates and configuration reloads, so none of that is
 * forgotten when the instance list changes around it.
 */
export class Instance {
  /** `address:port`: two registrations of the same address are one instance to the gateway. */
  readonly key: string;
  readonly origin: string;
  readonly pool: Http1Pool;
  /** Requests sent to this instance and not finished yet (least-outstanding balancing reads it). */
  outstanding = 0;
  /** What active health checks say (true until a check says otherwise). */
  healthy = true;
  /** Consecutive probes that disagreed with `healthy`, towards flipping it. */
  probeStreak = 0;
  /** Passive outlier detection: consecutive failed requests, ejections so far, ejected until (clock ms). */
  consecutiveFailures = 0;
  ejections = 0;
  ejectedUntil = 0;

  constructor(
    public registration: ServiceInstance,
    connections: number,
  ) {
    this.key = `${registration.address}:${registration.port}`;
    const host = registration.address.includes(":") ? `[${registration.address}]` : registration.address;
    this.origin = `http://${host}:${registration.port}`;
    this.pool = new Http1Pool(this.origin, { connections, keepAliveTimeoutMs: 30_000, connectTimeoutMs: 2_000 });
  }

  /** Closes the pool once the requests it is serving have finished. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
