import { createService, type ServiceApp } from "@distlab/kit/service";
import type { Logger } from "pino";
import { z } from "zod";
import {
  addToCart,
  addToCartBody,
  adminGuard,
  type Auth,
  cartItemParams,
  cartSchema,
  checkoutBody,
  createPet,
  createPetBody,
  credentialsBody,
  editPet,
  editPetBody,
  type KvClient,
  listOrders,
  listOrdersQuery,
  listPets,
  listPetsQuery,
  orderPage,
  orderSchema,
  type PaymentPort,
  petPage,
  petParams,
  petSchema,
  problemResponses,
  publicOrder,
  publicPet,
  readPet,
  removeFromCart,
  sessionSchema,
  userSchema,
  viewCart,
} from "@distlab/kit/shop";
import { checkout } from "./checkout.ts";

export interface PetStoreDeps {
  kv: KvClient;
  auth: Auth;
  /** Payment, whatever carries the calls (Lab 02: HTTP/JSON, payment-client.ts). */
  payment: PaymentPort;
  adminToken: string | undefined;
  reservationMs: number;
  logger?: Logger;
}

/** PetStore's HTTP face: the catalogue, users and sessions, carts, checkout and orders. */
export async function buildPetStoreApp(deps: PetStoreDeps): Promise<ServiceApp> {
  const { kv, auth } = deps;
  const app = await createService({
    name: "petstore",
    description: "Lab 02: a pet shop that charges through Payment and keeps its state in the KV",
    bodyLimit: 16 * 1024,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  const requireAdmin = adminGuard(deps.adminToken);
  const errors = problemResponses;

  app.post(
    "/users",
    { schema: { body: credentialsBody, response: { 201: userSchema, ...errors } } },
    async (request, reply) => reply.code(201).send(await auth.register(request.body.username, request.body.password)),
  );

  app.post(
    "/sessions",
    { schema: { body: credentialsBody, response: { 201: sessionSchema, ...errors } } },
    async (request, reply) => {
      const session = await auth.login(request.body.username, request.body.password);
      return reply.code(201).send({ ...session, tokenType: "Bearer" as const });
    },
  );

  app.delete(
    "/sessions/current",
    { schema: { response: { 204: z.null().describe("logged out"), ...errors } } },
    async (request, reply) => {
      await auth.logout(request.headers);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/pets",
    { schema: { body: createPetBody, response: { 201: petSchema, ...errors } } },
    async (request, reply) => {
      requireAdmin(request.headers);
      return reply.code(201).send(await createPet(kv, request.body));
    },
  );

  app.patch(
    "/pets/:id",
    { schema: { params: petParams, body: editPetBody, response: { 200: petSchema, ...errors } } },
    async (request) => {
      requireAdmin(request.headers);
      return editPet(kv, request.params.id, request.body);
    },
  );

  app.get("/pets/:id", { schema: { params: petParams, response: { 200: petSchema, ...errors } } }, async (request) =>
    publicPet((await readPet(kv, request.params.id)).value),
  );

  app.get("/pets", { schema: { querystring: listPetsQuery, response: { 200: petPage, ...errors } } }, async (request) =>
    listPets(kv, request.query),
  );

  app.get("/cart", { schema: { response: { 200: cartSchema, ...errors } } }, async (request) =>
    viewCart(kv, await auth.authenticate(request.headers)),
  );

  app.post(
    "/cart/items",
    { schema: { body: addToCartBody, response: { 200: cartSchema, ...errors } } },
    async (request) => addToCart(kv, await auth.authenticate(request.headers), request.body.petId, deps.reservationMs),
  );

  app.delete(
    "/cart/items/:petId",
    { schema: { params: cartItemParams, response: { 200: cartSchema, ...errors } } },
    async (request) => removeFromCart(kv, await auth.authenticate(request.headers), request.params.petId),
  );

  app.post(
    "/checkout",
    { schema: { body: checkoutBody, response: { 201: orderSchema, ...errors } } },
    async (request, reply) => {
      const username = await auth.authenticate(request.headers);
      const order = await checkout(deps, username, request.body.card);
      return reply.code(201).send(publicOrder(order));
    },
  );

  app.get(
    "/orders",
    { schema: { querystring: listOrdersQuery, response: { 200: orderPage, ...errors } } },
    async (request) => listOrders(kv, await auth.authenticate(request.headers), request.query),
  );

  return app;
}
