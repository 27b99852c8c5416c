import { randomBytes } from "node:crypto";
import { z } from "zod";
import { species } from "../schemas/petstore.ts";

/**
 * PetStore's records in the KV. Every one is a JSON document under a key with the `petstore:` prefix;
 * nothing lives only in memory, so a restarted PetStore carries on where the last one stopped.
 *
 *   petstore:user:<username>            the password's scrypt hash and salt
 *   petstore:session:<sha256(token)>    who the bearer token belongs to, and until when
 *   petstore:pet:<id>                   a pet, with its reservation when it has one
 *   petstore:cart:<username>            the pets in the cart, and the checkout attempt in progress
 *   petstore:order:<username>:<id>      an order, under the id of the checkout attempt that made it
 */

export const storedUser = z.object({
  username: z.string(),
  salt: z.string(),
  hash: z.string(),
  createdAt: z.string(),
});

export const storedSession = z.object({ username: z.string(), expiresAt: z.number() });

export const storedPet = z.object({
  id: z.string(),
  name: z.string(),
  species,
  price: z.number().int(),
  status: z.enum(["available", "reserved", "sold"]),
  reservedBy: z.string().optional(),
  /** Epoch milliseconds; past it the reservation has lapsed and anybody may take the pet. */
  reservedUntil: z.number().optional(),
  /** The order (checkout attempt id) that bought it. */
  orderId: z.string().optional(),
});
export type StoredPet = z.infer<typeof storedPet>;

const petLine = z.object({ id: z.string(), name: z.string(), species, price: z.number().int() });

/**
 * A checkout that has started: its id names the charge (the idempotency key derives from it) and the
 * order, and it fixes the pets, the total and the card, so that a retried checkout repeats the same charge.
 */
export const checkoutAttempt = z.object({
  id: z.string(),
  card: z.string(),
  pets: z.array(petLine),
  total: z.number().int(),
  startedAt: z.string(),
});
export type CheckoutAttempt = z.infer<typeof checkoutAttempt>;

export const storedCart = z.object({
  petIds: z.array(z.string()),
  attempt: checkoutAttempt.optional(),
});
export type StoredCart = z.infer<typeof storedCart>;

export const storedOrder = z.object({
  id: z.string(),
  username: z.string(),
  pets: z.array(petLine),
  total: z.number().int(),
  chargeId: z.string(),
  createdAt: z.string(),
});
export type StoredOrder = z.infer<typeof storedOrder>;

export const userKey = (username: string) => `petstore:user:${username}`;
export const sessionKey = (tokenDigest: string) => `petstore:session:${tokenDigest}`;
export const petKey = (id: string) => `petstore:pet:${id}`;
export const cartKey = (username: string) => `petstore:cart:${username}`;
export const ordersPrefix = (username: string) => `petstore:order:${username}:`;
export const orderKey = (username: string, id: string) => `${ordersPrefix(username)}${id}`;

/** Ids that sort by creation time (so listings come out oldest first) and never collide. */
export function newId(kind: string): string {
  return `${kind}-${Date.now().toString(36).padStart(9, "0")}-${randomBytes(5).toString("hex")}`;
}

/** The status a customer sees: a reservation past its time is no reservation. */
export function effectiveStatus(pet: StoredPet, now = Date.now()): StoredPet["status"] {
  if (pet.status === "reserved" && (pet.reservedUntil ?? 0) <= now) return "available";
  return pet.status;
}
