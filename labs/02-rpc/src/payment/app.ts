import { createService, problem, type ServiceApp } from "@distlab/kit/service";
import type { Logger } from "pino";
import {
  accountSchema,
  adminGuard,
  cardParams,
  type Charge,
  chargeBody,
  chargeParams,
  chargeSchema,
  createAccountBody,
  creditBody,
  DECLINED_TYPE,
  type KvClient,
  maskCard,
  problemResponses,
} from "@distlab/kit/shop";
import { charge, refund } from "./charges.ts";
import { credit, openAccount, readAccount, readCharge, type StoredAccount, type StoredCharge } from "./ledger.ts";

export interface PaymentDeps {
  kv: KvClient;
  adminToken: string | undefined;
  logger?: Logger;
}

/** Payment's HTTP face: accounts (admin), charges and refunds (for PetStore). */
export async function buildPaymentApp({ kv, adminToken, logger }: PaymentDeps): Promise<ServiceApp> {
  const app = await createService({
    name: "payment",
    description: "Lab 02: accounts by card number, idempotent charges, refunds",
    bodyLimit: 16 * 1024,
    ...(logger ? { logger } : {}),
  });
  const requireAdmin = adminGuard(adminToken);
  const errors = problemResponses;

  app.post(
    "/accounts",
    { schema: { body: createAccountBody, response: { 201: accountSchema, ...errors } } },
    async (request, reply) => {
      requireAdmin(request.headers);
      const account = await openAccount(kv, request.body.card, request.body.balance);
      return reply.code(201).send(publicAccount(account));
    },
  );

  app.get(
    "/accounts/:card",
    { schema: { params: cardParams, response: { 200: accountSchema, ...errors } } },
    async (request) => {
      requireAdmin(request.headers);
      const account = await readAccount(kv, request.params.card);
      if (!account) throw problem(404, "no account for this card");
      return publicAccount(account.value);
    },
  );

  app.post(
    "/accounts/:card/credit",
    { schema: { params: cardParams, body: creditBody, response: { 200: accountSchema, ...errors } } },
    async (request) => {
      requireAdmin(request.headers);
      return publicAccount(await credit(kv, request.params.card, request.body.amount));
    },
  );

  app.post(
    "/charges",
    { schema: { body: chargeBody, response: { 201: chargeSchema, ...errors } } },
    async (request, reply) => {
      const { charge: result, replayed } = await charge(kv, request.body);
      if (replayed) reply.header("idempotent-replayed", "true");
      request.log.info({ charge: result.id, status: result.status, replayed }, "charge");
      if (result.status === "declined") {
        throw problem(422, `charge declined: ${result.reason ?? "declined"}`, {
          type: DECLINED_TYPE,
          extensions: { charge: publicCharge(result) },
          ...(replayed ? { headers: { "idempotent-replayed": "true" } } : {}),
        });
      }
      return reply.code(201).send(publicCharge(result));
    },
  );

  app.get(
    "/charges/:id",
    { schema: { params: chargeParams, response: { 200: chargeSchema, ...errors } } },
    async (request) => {
      const found = await readCharge(kv, request.params.id);
      if (!found) throw problem(404, `no charge '${request.params.id}'`);
      return publicCharge(found.value);
    },
  );

  app.post(
    "/charges/:id/refund",
    { schema: { params: chargeParams, response: { 200: chargeSchema, ...errors } } },
    async (request) => publicCharge(await refund(kv, request.params.id)),
  );

  return app;
}

function publicAccount(account: StoredAccount) {
  return { card: account.card, balance: account.balance };
}

function publicCharge(charge: StoredCharge): Charge {
  return { ...charge, card: maskCard(charge.card) };
}
