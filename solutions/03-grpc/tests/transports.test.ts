import { startService, type ServiceProcess } from "@distlab/kit/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callLogs } from "../../../labs/03-grpc/tests/grpc.ts";
import { startGrpcShop, stopShops, type GrpcShop } from "../../../labs/03-grpc/tests/shop.ts";
import { ADMIN_TOKEN, adminOf, newCard, newCustomer } from "@distlab/kit/shop-testing";
import { expectStatus, show as showHttp } from "@distlab/kit/test-http";

let shop: GrpcShop;
let httpPetStore: ServiceProcess;

beforeAll(async () => {
  shop = await startGrpcShop();
  httpPetStore = await startService({
    service: "petstore",
    env: { ADMIN_TOKEN, KV_URL: shop.kv.url, PAYMENT_TRANSPORT: "http", PAYMENT_URL: shop.payment.url },
  });
});
afterAll(stopShops);

const transports = () => ({ grpc: shop.petstore.url, http: httpPetStore.url });

/** The same checkout in each PetStore; what each answered, and the card it used. */
async function checkoutEverywhere(price: number, card: (transport: string) => Promise<string>) {
  const answers: Record<string, { status: number; body: Record<string, unknown>; card: string }> = {};
  for (const [transport, url] of Object.entries(transports())) {
    const admin = adminOf({ url, payment: shop.payment });
    const pet = await admin.createPet({ name: `Twin ${transport}`, species: "dog", price });
    const customer = await newCustomer(() => url);
    expectStatus(await customer.add(pet.id), 200, `add the pet (${transport})`);
    const used = await card(transport);
    const reply = await customer.checkout(used);
    answers[transport] = { status: reply.status, body: reply.body, card: used };
    expect(reply.status, `${transport}: ${showHttp(reply)}`).toBeLessThan(500);
  }
  return answers as Record<"grpc" | "http", { status: number; body: Record<string, unknown>; card: string }>;
}

describe("PetStore behaves the same over PAYMENT_TRANSPORT=http and =grpc (README step 3)", () => {
  it("checks out the same way: 201, the same order fields, one debit each [R03.3.2]", async () => {
    const admin = adminOf(shop);
    const answers = await checkoutEverywhere(2_500, () => admin.openAccount(10_000));
    expect(answers.grpc.status).toBe(201);
    expect(answers.http.status).toBe(201);
    expect(Object.keys(answers.grpc.body).sort()).toEqual(Object.keys(answers.http.body).sort());
    for (const { card } of Object.values(answers)) expect(await admin.balance(card)).toBe(7_500);
    expect(
      await callLogs(shop.payment, { grpc: "Charge", idempotencyKey: answers.grpc.body.chargeId as string }),
    ).toHaveLength(1);
  });

  it("declines the same way: 422 payment-declined for too little money, and for a card without an account [R03.3.2, R03.P.8]", async () => {
    const admin = adminOf(shop);
    const poor = await checkoutEverywhere(2_500, () => admin.openAccount(100));
    const stranger = await checkoutEverywhere(2_500, async () => newCard());
    for (const answers of [poor, stranger]) {
      expect([answers.grpc.status, answers.http.status]).toEqual([422, 422]);
      expect(answers.grpc.body.type).toBe(answers.http.body.type);
    }
    expect(await admin.balance(poor.grpc.card)).toBe(100);
  });
});
