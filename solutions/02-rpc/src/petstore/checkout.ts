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
  // @solution §5 "open or resume the attempt, charge once, mark sold, record the order, empty the cart"
  const { kv, payment } = deps;
  const attempt = await openAttempt(deps, username, card);
  const chargeId = chargeIdOf(attempt);
  // An Unavailable thrown here answers 503 and leaves the attempt in the cart, to be resumed by a retry.
  const outcome = await payment.charge({ card: attempt.card, amount: attempt.total, idempotencyKey: chargeId });
  if (outcome.status === "declined") {
    await closeAttempt(kv, username, attempt.id, []);
    throw problem(422, `payment declined (${outcome.detail}); your cart is kept`, { type: DECLINED_TYPE });
  }
  const lost = await markSold(kv, username, attempt);
  if (lost.length > 0) {
    // Paid for pets we cannot deliver (the hold lapsed during a long outage): undo, in reverse order.
    await payment.refund(chargeId);
    await unsell(kv, attempt);
    await closeAttempt(
      kv,
      username,
      attempt.id,
      lost.map((pet) => pet.id),
    );
    throw problem(409, `sold to someone else meanwhile: ${names(lost)}; you were refunded`);
  }
  const order = await recordOrder(kv, username, attempt, chargeId);
  await closeAttempt(
    kv,
    username,
    attempt.id,
    attempt.pets.map((pet) => pet.id),
  );
  return order;
  // @end
}

/** Step 1: the attempt in the cart, or a new one whose pets are held by this user; 409 when it cannot be. */
async function openAttempt(deps: CheckoutDeps, username: string, card: string): Promise<CheckoutAttempt> {
  // @solution §5 "resume the open attempt, or hold the pets and open one with compare-and-set"
  const { kv } = deps;
  for (let tries = 0; tries < 20; tries++) {
    const cart = await kv.get(cartKey(username), storedCart);
    const open = cart?.value.attempt;
    if (open) {
      if (open.card !== card) {
        throw problem(409, `a checkout with card ${maskCard(open.card)} is in progress: retry it with that card`);
      }
      return open;
    }
    if (!cart || cart.value.petIds.length === 0) throw problem(409, "your cart is empty");
    const until = Date.now() + deps.reservationMs;
    const held = await Promise.all(cart.value.petIds.map((id) => reservePet(kv, id, username, until)));
    const lost = held.flatMap((result) => ("refused" in result ? [result.refused] : []));
    if (lost.length > 0) {
      await kv.update(cartKey(username), storedCart, (current) =>
        current && !current.attempt ? { petIds: current.petIds.filter((_, i) => !("refused" in held[i]!)) } : undefined,
      );
      throw problem(409, `${lost.join("; ")}: removed from your cart, nothing was charged`);
    }
    const pets = held.flatMap((result) =>
      "pet" in result
        ? [{ id: result.pet.id, name: result.pet.name, species: result.pet.species, price: result.pet.price }]
        : [],
    );
    const attempt: CheckoutAttempt = {
      id: newId("order"),
      card,
      pets,
      total: pets.reduce((sum, pet) => sum + pet.price, 0),
      startedAt: new Date().toISOString(),
    };
    try {
      await kv.put(cartKey(username), { ...cart.value, attempt }, { ifMatch: cart.version });
      return attempt;
    } catch (error) {
      // The cart changed (an item, or a concurrent checkout that opened its attempt first): look again.
      if (!(error instanceof VersionConflict)) throw error;
    }
  }
  throw problem(409, "your cart keeps changing; try again");
  // @end
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
  // @solution §5 "write the order once, under the attempt's id"
  const order: StoredOrder = {
    id: attempt.id,
    username,
    pets: attempt.pets,
    total: attempt.total,
    chargeId,
    createdAt: new Date().toISOString(),
  };
  try {
    await kv.put(orderKey(username, attempt.id), order, { ifAbsent: true });
    return order;
  } catch (error) {
    if (!(error instanceof VersionConflict)) throw error;
    return (await kv.get(orderKey(username, attempt.id), storedOrder))!.value;
  }
  // @end
}

/** Step 5: ends the attempt (if it is still the open one) and takes `petIds` out of the cart. */
async function closeAttempt(kv: KvClient, username: string, attemptId: string, petIds: string[]): Promise<void> {
  await kv.update(cartKey(username), storedCart, (cart) =>
    cart?.attempt?.id === attemptId ? { petIds: cart.petIds.filter((id) => !petIds.includes(id)) } : undefined,
  );
}

const names = (pets: { name: string }[]) => pets.map((pet) => pet.name).join(", ");
