import type Consul from "consul";
import type { Logger } from "pino";
import type { Registration } from "../registration.ts";
import type { ServiceInstance } from "../resolver.ts";
import { retryUntilDone } from "../retry.ts";
import { statusOf } from "./http.ts";
import { todo } from "@distlab/kit/service";

/**
 * Step 4: an instance in Consul is a service registered with the local agent, with two health checks. The
 * agent probes the HTTP check (GET /health every interval): a process that stopped answering goes
 * critical. The TTL check is the instance's own heartbeat: it passes it every third of the TTL, and if the
 * heartbeats stop the check goes critical after the TTL. Either way, a critical instance leaves the
 * `?passing` set that resolvers read. An agent that restarted has forgotten everything: the heartbeat then
 * answers 404, and the instance registers again.
 */

export interface ConsulRegistrationOptions {
  ttlSeconds: number;
  /** Interval of the HTTP check, e.g. "5s". */
  checkInterval: string;
  /** What the agent probes, e.g. http://127.0.0.1:41234/health. */
  healthUrl: string;
}

export class ConsulRegistration implements Registration {
  private heartbeat: NodeJS.Timeout | undefined;
  private current: ServiceInstance;
  private stopped = false;
  private done = false;

  constructor(
    private readonly consul: Consul,
    instance: ServiceInstance,
    private readonly options: ConsulRegistrationOptions,
    private readonly logger?: Logger,
  ) {
    this.current = instance;
  }

  get instance(): ServiceInstance {
    return this.current;
  }

  /** The TTL check's ID: named, so the heartbeat can address it. */
  get ttlCheckId(): string {
    return `service:${this.instance.id}:ttl`;
  }

  get registered(): boolean {
    return this.done && !this.stopped;
  }

  /** Registers, retrying with backoff until it worked or deregister() was called. */
  keepTrying(): Promise<void> {
    return retryUntilDone(
      "consul registration",
      () => this.register(),
      () => this.stopped || this.done,
      this.logger,
    );
  }

  async register(): Promise<void> {
    return todo("TODO(lab08 §4): register with an HTTP check and a TTL check, report the TTL check passing, start the heartbeat — see labs/08-discovery/README.md, step 4");
  }

  private scheduleHeartbeat(): void {
    clearTimeout(this.heartbeat);
    if (this.stopped) return;
    this.heartbeat = setTimeout(() => void this.beat(), (this.options.ttlSeconds * 1000) / 3);
  }

  /** One heartbeat: pass the TTL check; a 404 means the agent forgot this instance, so register it again. */
  private async beat(): Promise<void> {
    return todo("TODO(lab08 §4): pass the TTL check; when the agent answers 404, register again; keep beating — see labs/08-discovery/README.md, step 4");
  }

  /** New tags or meta: registering the same ID again replaces the entry (the checks keep their status). */
  async update(instance: ServiceInstance): Promise<void> {
    this.current = instance;
    if (this.done && !this.stopped) await this.register();
  }

  async deregister(): Promise<void> {
    return todo("TODO(lab08 §4): stop the heartbeat and deregister the service from the agent — see labs/08-discovery/README.md, step 4");
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.heartbeat);
  }
}
