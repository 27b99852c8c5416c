import { startFaultProxy, type FaultProxy } from "@distlab/kit/faults";
import { restartService, startService, stopAllServices, type ServiceProcess } from "@distlab/kit/harness";
import { call, expectStatus } from "./http.ts";
import { startRelay, type Relay } from "./relay.ts";

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

export const ADMIN_TOKEN = "test-admin-token-0123456789";

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

/** The seed a test uses: DISTLAB_SEED replays a run, otherwise a fresh one (printed on failure). */
const DEFAULT_SEED = 1;

/** The seed of the randomised tests: fixed, so every submission meets the same runs; DISTLAB_SEED picks another. */
export function testSeed(): number {
  const fromEnv = Number(process.env.DISTLAB_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_SEED;
}

let cardCounter = 0;

/** A fresh card number that passes the Luhn check (16 digits, the last one the check digit). */
export function newCard(): string {
  cardCounter++;
  const body =
    `4${String(process.pid % 100000).padStart(5, "0")}${String(Date.now() % 1e5).padStart(5, "0")}${String(cardCounter).padStart(4, "0")}`.slice(
      0,
      15,
    );
  return body + luhnDigit(body);
}

export function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let digit = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return String((10 - (sum % 10)) % 10);
}

let nameCounter = 0;

/** A username nobody used in this run. */
export function newUsername(prefix = "user"): string {
  nameCounter++;
  return `${prefix}-${process.pid % 100000}-${Date.now() % 1e6}-${nameCounter}`.slice(0, 32);
}

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** What an admin does, on PetStore and Payment. */
export const adminOf = (shop: Shop) => ({
  async createPet(pet: { name: string; species: string; price: number }) {
    return expectStatus(await call(shop.url, "POST", "/pets", { json: pet, headers: admin }), 201, "POST /pets");
  },
  async openAccount(balance: number, card = newCard()): Promise<string> {
    expectStatus(
      await call(shop.payment.url, "POST", "/accounts", { json: { card, balance }, headers: admin }),
      201,
      "POST /accounts",
    );
    return card;
  },
  async balance(card: string): Promise<number> {
    return expectStatus(
      await call(shop.payment.url, "GET", `/accounts/${card}`, { headers: admin }),
      200,
      "GET /accounts/:card",
    ).balance;
  },
  async charge(id: string) {
    return expectStatus(await call(shop.payment.url, "GET", `/charges/${id}`), 200, `GET /charges/${id}`);
  },
});

/** A registered, logged-in customer of the shop at `base` (PetStore's URL). */
export async function newCustomer(base: () => string, username = newUsername()) {
  const password = "correct horse battery";
  expectStatus(await call(base(), "POST", "/users", { json: { username, password } }), 201, "POST /users");
  const session = expectStatus(
    await call(base(), "POST", "/sessions", { json: { username, password } }),
    201,
    "POST /sessions",
  );
  const token: string = session.token;
  return {
    username,
    password,
    token,
    add: (petId: string) => call(base(), "POST", "/cart/items", { json: { petId }, token }),
    remove: (petId: string) => call(base(), "DELETE", `/cart/items/${petId}`, { token }),
    cart: () => call(base(), "GET", "/cart", { token }),
    checkout: (card: string, timeoutMs?: number) =>
      call(base(), "POST", "/checkout", { json: { card }, token, ...(timeoutMs ? { timeoutMs } : {}) }),
    orders: () => call(base(), "GET", "/orders?limit=100", { token }),
  };
}

export type Customer = Awaited<ReturnType<typeof newCustomer>>;
