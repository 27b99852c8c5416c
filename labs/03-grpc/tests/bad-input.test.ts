import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCode, rawUnary, show, unary, type GrpcReply } from "./grpc.ts";
import { adminMetadata, startGrpcShop, stopShops, type GrpcShop } from "./shop.ts";
import { adminOf, newKey } from "@distlab/kit/shop-testing";

let shop: GrpcShop;
let card: string;
const BALANCE = 50_000;

beforeAll(async () => {
  shop = await startGrpcShop();
  card = await adminOf(shop).openAccount(BALANCE);
});
afterAll(stopShops);

const charge = (request: object, key = newKey("bad")) =>
  unary(shop.client, "Charge", request, { metadata: { "idempotency-key": key } });

/** After bad input: the balance is untouched, and Payment still charges a good request. */
async function expectUnharmed(what: string) {
  const account = expectCode(
    await unary(shop.client, "GetAccount", { card }, { metadata: adminMetadata }),
    "OK",
    `GetAccount after ${what}`,
  );
  expect(Number(account.balanceCents), `no money moved after ${what}`).toBe(BALANCE);
  const probe = await charge({ card, amountCents: 1 });
  expectCode(probe, "OK", `a good charge after ${what}`);
  expectCode(await unary(shop.client, "Refund", { chargeId: probe.value.id }), "OK", "refunding the probe");
}

function expectInvalid(reply: GrpcReply, field: RegExp, what: string) {
  expect(reply.codeName, `${what}: ${show(reply)}`).toBe("INVALID_ARGUMENT");
  expect(reply.details, `${what}: the details name the field`).toMatch(field);
}

describe("bad input gets INVALID_ARGUMENT, never INTERNAL or UNKNOWN (README step 1)", () => {
  it("answers a message protobuf cannot decode with INVALID_ARGUMENT, on every method [R03.0.2]", async () => {
    const undecodable = {
      "wire type 7, which does not exist": [0x7f, 0x01],
      "a varint of 11 bytes": [0x10, ...Array<number>(11).fill(0xff)],
      "a tag and nothing after it": [0x78],
    };
    for (const [what, bytes] of Object.entries(undecodable)) {
      for (const method of ["Charge", "Refund", "GetAccount"] as const) {
        const reply = await rawUnary(shop.grpcAddress, method, Buffer.from(bytes));
        expect(reply.codeName, `${method} with ${what}: ${show(reply)}`).toBe("INVALID_ARGUMENT");
      }
    }
    await expectUnharmed("undecodable messages");
  });

  it("refuses amounts out of range: zero, negative, above one million, beyond 2^53 [R03.0.2, R03.1.1]", async () => {
    for (const amountCents of [0, -1, -5_000, 100_000_001, "4611686018427387904"]) {
      expectInvalid(await charge({ card, amountCents }), /amount_cents/, `amount_cents ${amountCents}`);
    }
    await expectUnharmed("out-of-range amounts");
  });

  it("refuses cards that are not card numbers: empty, letters, too short, too long, 10 kB [R03.0.2]", async () => {
    for (const bad of ["", "4242-4242-4242-4242", "42424242", "4".repeat(20), "4".repeat(10_000)]) {
      expectInvalid(await charge({ card: bad, amountCents: 100 }), /card/, `card '${bad.slice(0, 24)}'`);
    }
    expectInvalid(await charge({}), /card|amount_cents/, "an empty ChargeRequest");
    await expectUnharmed("bad cards");
  });

  it("refuses idempotency keys that are too long or use other characters [R03.0.2]", async () => {
    for (const key of ["k".repeat(129), "has spaces in it", "semi;colon;key", "slash/in/the/key"]) {
      expectInvalid(await charge({ card, amountCents: 100 }, key), /idempotency-key/, `key '${key.slice(0, 20)}'`);
    }
    await expectUnharmed("bad idempotency keys");
  });

  it("refuses a message above the size limit with RESOURCE_EXHAUSTED, and carries on [R03.0.2]", async () => {
    const reply = await charge({ card: "4".repeat(5 * 1024 * 1024), amountCents: 100 });
    expect(reply.codeName, show(reply)).toBe("RESOURCE_EXHAUSTED");
    await expectUnharmed("a 5 MB message");
  });
});
