import type { Charge, ChargeOutcome, ChargeRequest, PaymentPort } from "@distlab/kit/shop";
import { PaymentClient, paymentPolicyFromEnv } from "@distlab/lab/02-rpc/petstore/payment-client.ts";
import { Unavailable } from "@distlab/lab/02-rpc/resilience.ts";
import type { Resolver, ServiceInstance } from "../resolver.ts";
import { instanceUrl } from "../resolver.ts";

/**
 * Step 7: PetStore finds Payment through the resolver instead of a fixed PAYMENT_URL. Each call goes to the
 * next instance of the cached healthy set (round robin); when an instance does not answer, the same call
 * — same idempotency key, so it can never charge twice — moves on to the next instance, each one at most
 * once. Lab 02's PetStore takes a PaymentClient: this is one, whose calls go to the instances it picks,
 * through one Lab 02 client per instance (each with its own retries, kept short so a dead instance is left
 * quickly).
 */

const ATTEMPTS_PER_INSTANCE = 2;

export class DiscoveredPayment implements PaymentPort {
  private readonly clients = new Map<string, PaymentClient>();
  private next = 0;

  constructor(private readonly resolver: Resolver) {}

  charge(request: ChargeRequest): Promise<ChargeOutcome> {
    return this.withFailover((client) => client.charge(request));
  }

  refund(chargeId: string): Promise<Charge> {
    return this.withFailover((client) => client.refund(chargeId));
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.close()));
  }

  /** The instances to try for one call, in order: round robin over the healthy set, each once. */
  order(instances: ServiceInstance[]): ServiceInstance[] {
    // @solution §7 "start at the next instance in turn and go round the whole set once"
    if (instances.length === 0) return [];
    const start = this.next++ % instances.length;
    return [...instances.slice(start), ...instances.slice(0, start)];
    // @end
  }

  /** Runs `call` on each instance in turn until one answers; only an Unavailable moves on to the next. */
  private async withFailover<T>(call: (client: PaymentClient) => Promise<T>): Promise<T> {
    // @solution §7 "try the instances in order; move on only when one is unavailable; 503 when none answers"
    const candidates = this.order(this.resolver.instances("payment"));
    let last: Unavailable | undefined;
    for (const instance of candidates) {
      try {
        return await call(this.clientFor(instance));
      } catch (error) {
        if (!(error instanceof Unavailable)) throw error;
        last = error;
      }
    }
    const detail = candidates.length
      ? `none of the ${candidates.length} Payment instances answered (last: ${last?.message})`
      : "no healthy Payment instance is registered";
    throw new Unavailable(`${detail}; nothing was lost: retry the same request later`, candidates.length, 1, last);
    // @end
  }

  private clientFor(instance: ServiceInstance): PaymentClient {
    const url = instanceUrl(instance);
    let client = this.clients.get(url);
    if (!client) {
      client = new PaymentClient(url, { ...paymentPolicyFromEnv(), maxAttempts: ATTEMPTS_PER_INSTANCE });
      this.clients.set(url, client);
    }
    return client;
  }
}
