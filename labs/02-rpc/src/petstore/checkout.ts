import { problem } from "@distlab/kit/service";
import {
  cartKey,
  type CheckoutAttempt,
  DECLINED_TYPE,
  effectiveStatus,
  type KvClient,
  maskCard,
  newId,
  orderKey,
  type PaymentPort,
  petKey,
  reservePet,
  storedCart,
  type StoredOrder,
  storedOrder,
  storedPet,
  VersionConflict,
} from "@distlab/kit/shop";
import { todo } from "@distlab/kit/service";

/**
 * Checkout: the cart becomes an order, paid once, whatever the network does. The plan:
 *
 *   1. open a checkout attempt in the cart (or resume the one there): it fixes pets, total, card and id;
 *   2. charge through Payment with an idempotency key derived from the attempt's id;
 *   3. mark the pets sold; 4. record the order; 5. close the attempt and empty the cart.
 *
 * Every step can be cut (a crash, a 503) and run again: each one checks what is already done. A retried
 * checkout finds the attempt in the cart and repeats the *same* charge, which Payment answers once.
 */

export interface CheckoutDeps {
  kv: KvClient;
  payment: PaymentPort;
  /** How long a reservation lasts; opening a checkout renews it for as long again. */
  reservationMs: number;
}

/** The idempotency key of an attempt's charge: the same attempt always charges under the same key. */
export const chargeIdOf = (attempt: CheckoutAttempt) => `checkout-${attempt.id}`;

export async function checkout(deps: CheckoutDeps, username: string, card: string): Promise<StoredOrder> {
  return todo("TODO(lab02 §5): open or resume the attempt, charge once, mark sold, record the order, empty the cart — see labs/02-rpc/README.md, step 5");
}

/** Step 1: the attempt in the cart, or a new one whose pets are held by this user; 409 when it cannot be. */
async function openAttempt(deps: CheckoutDeps, username: string, card: string): Promise<CheckoutAttempt> {
  return todo("TODO(lab02 §5): resume the open attempt, or hold the pets and open one with compare-and-set — see labs/02-rpc/README.md, step 5");
}

/** Step 3: every pet of the attempt sold to it (already sold to it counts); the ones lost to others. */
async function markSold(kv: KvClient, username: string, attempt: CheckoutAttempt) {
  const results = await Promise.all(
    attempt.pets.map(async (line) => {
      let taken = false;
      await kv.update(petKey(line.id), storedPet, (pet) => {
        taken = !pet || (pet.status === "sold" && pet.orderId !== attempt.id);
        if (!pet || taken || pet.status === "sold") return undefined;
        taken = effectiveStatus(pet) === "reserved" && pet.reservedBy !== username;
        if (taken) return undefined;
        return {
          id: pet.id,
          name: pet.name,
          species: pet.species,
          price: pet.price,
          status: "sold" as const,
          orderId: attempt.id,
        };
      });
      return taken ? [line] : [];
    }),
  );
  return results.flat();
}

/** Puts back on sale the pets this attempt had bought (after its refund). */
async function unsell(kv: KvClient, attempt: CheckoutAttempt): Promise<void> {
  for (const line of attempt.pets) {
    await kv.update(petKey(line.id), storedPet, (pet) =>
      pet?.status === "sold" && pet.orderId === attempt.id
        ? { id: pet.id, name: pet.name, species: pet.species, price: pet.price, status: "available" as const }
        : undefined,
    );
  }
}

/** Step 4: the order, under the attempt's id, written once. */
async function recordOrder(
  kv: KvClient,
  username: string,
  attempt: CheckoutAttempt,
  chargeId: string,
): Promise<StoredOrder> {
  return todo("TODO(lab02 §5): write the order once, under the attempt's id — see labs/02-rpc/README.md, step 5");
}

/** Step 5: ends the attempt (if it is still the open one) and takes `petIds` out of the cart. */
async function closeAttempt(kv: KvClient, username: string, attemptId: string, petIds: string[]): Promise<void> {
  await kv.update(cartKey(username), storedCart, (cart) =>
    cart?.attempt?.id === attemptId ? { petIds: cart.petIds.filter((id) => !petIds.includes(id)) } : undefined,
  );
}

const names = (pets: { name: string }[]) => pets.map((pet) => pet.name).join(", ");
