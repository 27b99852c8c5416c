import { startFaultProxy, type FaultProxy } from "@distlab/kit/faults";
import { restartService, startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { ADMIN_TOKEN, startRelay, type Relay } from "@distlab/kit/shop-testing";

/**
 * The whole system on loopback, as real processes:
 *
 *   test ──► PetStore ──► proxy ──► relay ──► Payment
 *               │                              │
 *               └──────────► kvProxy ◄─────────┘ ──► relay ──► KV (Lab 01's reference)
 *
 * The fault proxies are where tests break the network: `proxy` between PetStore and Payment, `kvProxy`
 * between both services and the KV. The relays give Payment and the KV addresses that survive a restart,
 * so any service can be killed and started again.
 */

export interface ShopOptions {
  petstoreEnv?: Record<string, string>;
  paymentEnv?: Record<string, string>;
  /** Seed of the fault proxy's PRNG (DISTLAB_SEED when set). */
  seed?: number;
}

export interface Shop {
  kv: ServiceProcess;
  payment: ServiceProcess;
  petstore: ServiceProcess;
  /** Between PetStore and Payment. */
  proxy: FaultProxy;
  /** Between both services and the KV. */
  kvProxy: FaultProxy;
  kvRelay: Relay;
  paymentRelay: Relay;
  /** PetStore's current base URL (it changes when PetStore restarts). */
  readonly url: string;
  /** Kill -9 one service, run `whileDown`, and start the service again on the same data. */
  restart(service: "kv" | "payment" | "petstore", whileDown?: () => Promise<unknown>): Promise<void>;
  /** Starts one more PetStore on the same KV and Payment, with other settings. */
  extraPetStore(env: Record<string, string>): Promise<ServiceProcess>;
}

const closers: (() => Promise<void>)[] = [];

/** Every fault proxy, relay and service this test file started; call it in afterAll / afterEach. */
export async function stopShops(): Promise<void> {
  await stopAllServices();
  for (const close of closers.splice(0).reverse()) await close();
}

export async function startShop(options: ShopOptions = {}): Promise<Shop> {
  const [kv, kvRelay, paymentRelay] = await Promise.all([
    startService({ lab: "01-kv", service: "kv" }),
    startRelay(),
    startRelay(),
  ]);
  closers.push(
    () => kvRelay.close(),
    () => paymentRelay.close(),
  );
  kvRelay.retarget(kv.url);
  const seed = options.seed === undefined ? {} : { seed: options.seed };
  const [proxy, kvProxy] = await Promise.all([
    startFaultProxy({ upstream: paymentRelay.url, ...seed }),
    startFaultProxy({ upstream: kvRelay.url, ...seed }),
  ]);
  closers.push(
    () => proxy.close(),
    () => kvProxy.close(),
  );
  const common = { ADMIN_TOKEN, KV_URL: kvProxy.url };
  const petstoreEnv = {
    ...common,
    PAYMENT_URL: proxy.url,
    PAYMENT_TIMEOUT_MS: "1000",
    PAYMENT_DEADLINE_MS: "4000",
    ...options.petstoreEnv,
  };
  const [payment, petstore] = await Promise.all([
    startService({ service: "payment", env: { ...common, ...options.paymentEnv } }),
    startService({ service: "petstore", env: petstoreEnv }),
  ]);
  paymentRelay.retarget(payment.url);
  const shop: Shop = {
    kv,
    payment,
    petstore,
    proxy,
    kvProxy,
    kvRelay,
    paymentRelay,
    get url() {
      return shop.petstore.url;
    },
    async restart(service, whileDown) {
      const previous = shop[service];
      await previous.kill("SIGKILL");
      await whileDown?.();
      const next = await restartService(previous);
      shop[service] = next;
      if (service === "kv") kvRelay.retarget(next.url);
      if (service === "payment") paymentRelay.retarget(next.url);
    },
    extraPetStore: (env) => startService({ service: "petstore", env: { ...petstoreEnv, ...env } }),
  };
  return shop;
}
