import { problem } from "@distlab/kit/service";
import type { KvClient } from "../kv-client.ts";
import type { Cart } from "../schemas/petstore.ts";
import { publicPet, releasePet, reservePet } from "./pets.ts";
import { cartKey, effectiveStatus, petKey, storedCart, storedPet, type StoredCart } from "./records.ts";

/**
 * A cart per user. Putting a pet in the cart reserves it for `reservationMs`: nobody else can take it
 * meanwhile. The pet's record is the truth about who holds it; the cart only lists what the user wants.
 */

const EMPTY: StoredCart = { petIds: [] };

export function refuseWhileCheckingOut(cart: StoredCart | undefined): void {
  if (cart?.attempt) {
    throw problem(409, "a checkout of this cart is in progress: retry POST /checkout to finish it first");
  }
}

export async function addToCart(kv: KvClient, username: string, petId: string, reservationMs: number): Promise<Cart> {
  refuseWhileCheckingOut((await kv.get(cartKey(username), storedCart))?.value);
  const reserved = await reservePet(kv, petId, username, Date.now() + reservationMs);
  if ("refused" in reserved) throw problem(409, reserved.refused);
  await kv.update(cartKey(username), storedCart, (cart = EMPTY) => {
    refuseWhileCheckingOut(cart);
    return cart.petIds.includes(petId) ? undefined : { ...cart, petIds: [...cart.petIds, petId] };
  });
  return viewCart(kv, username);
}

export async function removeFromCart(kv: KvClient, username: string, petId: string): Promise<Cart> {
  await kv.update(cartKey(username), storedCart, (cart = EMPTY) => {
    refuseWhileCheckingOut(cart);
    if (!cart.petIds.includes(petId)) throw problem(404, `pet '${petId}' is not in your cart`);
    return { ...cart, petIds: cart.petIds.filter((id) => id !== petId) };
  });
  await releasePet(kv, petId, username);
  return viewCart(kv, username);
}

export async function viewCart(kv: KvClient, username: string): Promise<Cart> {
  const cart = (await kv.get(cartKey(username), storedCart))?.value ?? EMPTY;
  const now = Date.now();
  const items = await Promise.all(
    cart.petIds.map(async (id) => {
      const pet = (await kv.get(petKey(id), storedPet))?.value;
      if (!pet) return undefined;
      const status = effectiveStatus(pet, now);
      // Held: still reserved by this user, or lapsed with nobody else taking it (checkout re-reserves it).
      const held = status === "available" || (status === "reserved" && pet.reservedBy === username);
      return { pet: publicPet(pet, now), held };
    }),
  );
  const present = items.filter((item) => item !== undefined);
  return {
    items: present,
    total: present.reduce((sum, item) => sum + item.pet.price, 0),
    checkoutPending: cart.attempt !== undefined,
  };
}
