import { BURST_PATIENCE_MS, call, expectStatus } from "@distlab/kit/test-http";

/** The shop's people and money, as tests create them: admins, customers, cards, keys. */

export const ADMIN_TOKEN = "test-admin-token-0123456789";
export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** The seed of the randomised tests: fixed, so every submission meets the same runs; DISTLAB_SEED picks another. */
export function testSeed(): number {
  const fromEnv = Number(process.env.DISTLAB_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 1;
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

let keys = 0;
/** A fresh idempotency key. */
export const newKey = (prefix = "key") => `${prefix}-${process.pid}-${Date.now()}-${++keys}`;

/** What an admin does, over HTTP: stock PetStore (at `shop.url`), open and read accounts at Payment. */
export const adminOf = (shop: { readonly url: string; readonly payment: { readonly url: string } }) => ({
  async createPet(pet: { name: string; species: string; price: number }) {
    return expectStatus(await call(shop.url, "POST", "/pets", { json: pet, headers: adminHeaders }), 201, "POST /pets");
  },
  async openAccount(balance: number, card = newCard()): Promise<string> {
    expectStatus(
      await call(shop.payment.url, "POST", "/accounts", { json: { card, balance }, headers: adminHeaders }),
      201,
      "POST /accounts",
    );
    return card;
  },
  async credit(card: string, amount: number) {
    return expectStatus(
      await call(shop.payment.url, "POST", `/accounts/${card}/credit`, { json: { amount }, headers: adminHeaders }),
      200,
      "POST /accounts/:card/credit",
    );
  },
  async balance(card: string): Promise<number> {
    return expectStatus(
      await call(shop.payment.url, "GET", `/accounts/${card}`, { headers: adminHeaders }),
      200,
      "GET /accounts/:card",
    ).balance;
  },
  async charge(id: string) {
    return expectStatus(await call(shop.payment.url, "GET", `/charges/${id}`), 200, `GET /charges/${id}`);
  },
});

/** A registered, logged-in customer of the shop at `base` (PetStore's URL, which may change on restart). */
export async function newCustomer(base: () => string, username = newUsername()) {
  const password = "correct horse battery";
  // Password hashing is slow on purpose (scrypt), and tests register customers in bursts.
  const hashing = { json: { username, password }, timeoutMs: BURST_PATIENCE_MS };
  expectStatus(await call(base(), "POST", "/users", hashing), 201, "POST /users");
  const session = expectStatus(await call(base(), "POST", "/sessions", hashing), 201, "POST /sessions");
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
