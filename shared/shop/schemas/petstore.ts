import { z } from "zod";
import { cardNumber, cents, opaqueKey, pageQuery } from "./common.ts";

/** PetStore's API contract: validation, TypeScript types and the OpenAPI page at /docs. */

export const species = z.enum(["dog", "cat", "bird", "fish", "rabbit", "reptile", "other"]);

export const petStatus = z.enum(["available", "reserved", "sold"]);

const petName = z.string().trim().min(1, "a name has at least 1 character").max(80, "at most 80 characters");

export const createPetBody = z.strictObject({ name: petName, species, price: cents });

export const editPetBody = z
  .strictObject({ name: petName.optional(), species: species.optional(), price: cents.optional() })
  .refine((body) => Object.keys(body).length > 0, "give at least one of name, species, price");

export const petParams = z.strictObject({ id: opaqueKey });

export const petSchema = z.object({
  id: z.string(),
  name: z.string(),
  species,
  /** In cents. */
  price: z.number().int(),
  status: petStatus,
  /** Until when a reservation holds (ISO 8601), when the pet is reserved. */
  reservedUntil: z.string().optional(),
});

export const listPetsQuery = z
  .strictObject({
    species: species.optional(),
    minPrice: z.coerce.number().int().min(0).optional(),
    maxPrice: z.coerce.number().int().min(0).optional(),
    available: z.enum(["true", "false"]).default("false"),
    ...pageQuery,
  })
  .refine((q) => q.minPrice === undefined || q.maxPrice === undefined || q.minPrice <= q.maxPrice, {
    message: "minPrice must not be above maxPrice",
    path: ["minPrice"],
  });

export const petPage = z.object({ items: z.array(petSchema), next: z.string().nullable() });

const username = z
  .string()
  .min(3, "at least 3 characters")
  .max(32, "at most 32 characters")
  .regex(/^[a-z0-9_.-]+$/, "lowercase letters, digits and . _ - only");

export const credentialsBody = z.strictObject({
  username,
  password: z.string().min(8, "at least 8 characters").max(128, "at most 128 characters"),
});

export const userSchema = z.object({ username: z.string(), createdAt: z.string() });

export const sessionSchema = z.object({
  token: z.string(),
  tokenType: z.literal("Bearer"),
  expiresAt: z.string(),
});

export const addToCartBody = z.strictObject({ petId: opaqueKey });

export const cartItemParams = z.strictObject({ petId: opaqueKey });

export const cartSchema = z.object({
  items: z.array(
    z.object({
      pet: petSchema,
      /** False once the reservation lapsed and another customer took the pet. */
      held: z.boolean(),
    }),
  ),
  total: z.number().int(),
  /** Set while a checkout has started and not finished: the cart cannot change until it does. */
  checkoutPending: z.boolean(),
});

export const checkoutBody = z.strictObject({ card: cardNumber });

export const orderSchema = z.object({
  id: z.string(),
  pets: z.array(z.object({ id: z.string(), name: z.string(), species, price: z.number().int() })),
  total: z.number().int(),
  /** Payment's charge id (the idempotency key PetStore used). */
  chargeId: z.string(),
  createdAt: z.string(),
});

export const orderPage = z.object({ items: z.array(orderSchema), next: z.string().nullable() });

export const listOrdersQuery = z.strictObject(pageQuery);

export type Pet = z.infer<typeof petSchema>;
export type Order = z.infer<typeof orderSchema>;
export type Cart = z.infer<typeof cartSchema>;
