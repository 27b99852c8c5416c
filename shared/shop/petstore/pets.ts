import { problem } from "@distlab/kit/service";
import type { z } from "zod";
import { VersionConflict, type KvClient } from "../kv-client.ts";
import { filteredPage } from "../pagination.ts";
import type { createPetBody, editPetBody, listPetsQuery, Pet } from "../schemas/petstore.ts";
import { effectiveStatus, newId, petKey, storedPet, type StoredPet } from "./records.ts";

/** The catalogue: admins create and edit pets; everybody browses it. */

export function publicPet(pet: StoredPet, now = Date.now()): Pet {
  const status = effectiveStatus(pet, now);
  return {
    id: pet.id,
    name: pet.name,
    species: pet.species,
    price: pet.price,
    status,
    ...(status === "reserved" ? { reservedUntil: new Date(pet.reservedUntil!).toISOString() } : {}),
  };
}

export async function createPet(kv: KvClient, body: z.output<typeof createPetBody>): Promise<Pet> {
  const pet: StoredPet = { id: newId("pet"), ...body, status: "available" };
  try {
    await kv.put(petKey(pet.id), pet, { ifAbsent: true });
  } catch (error) {
    // A fresh random id does not collide: the conflict is our own write, retried after a lost answer.
    if (!(error instanceof VersionConflict)) throw error;
  }
  return publicPet(pet);
}

export async function editPet(kv: KvClient, id: string, changes: z.output<typeof editPetBody>): Promise<Pet> {
  const stored = await kv.update(petKey(id), storedPet, (pet) => {
    if (!pet) throw problem(404, `no pet '${id}'`);
    return { ...pet, ...changes };
  });
  return publicPet(stored!.value);
}

export async function readPet(kv: KvClient, id: string) {
  const pet = await kv.get(petKey(id), storedPet);
  if (!pet) throw problem(404, `no pet '${id}'`);
  return pet;
}

export async function listPets(kv: KvClient, query: z.output<typeof listPetsQuery>) {
  const now = Date.now();
  return filteredPage(kv, "petstore:pet:", storedPet, query, (stored) => {
    const pet = publicPet(stored, now);
    if (query.species !== undefined && pet.species !== query.species) return undefined;
    if (query.minPrice !== undefined && pet.price < query.minPrice) return undefined;
    if (query.maxPrice !== undefined && pet.price > query.maxPrice) return undefined;
    if (query.available === "true" && pet.status !== "available") return undefined;
    return pet;
  });
}

/**
 * Reserves a pet for `username` until `until`, with compare-and-set: of two customers racing for the same
 * pet, one wins. Returns the pet, or a reason when it cannot be had.
 */
export async function reservePet(
  kv: KvClient,
  id: string,
  username: string,
  until: number,
  now = Date.now(),
): Promise<{ pet: StoredPet } | { refused: string }> {
  let refused: string | undefined;
  const stored = await kv.update(petKey(id), storedPet, (pet) => {
    refused = undefined;
    if (!pet) throw problem(404, `no pet '${id}'`);
    const status = effectiveStatus(pet, now);
    if (status === "sold") refused = `${pet.name} is already sold`;
    else if (status === "reserved" && pet.reservedBy !== username)
      refused = `${pet.name} is reserved by another customer`;
    if (refused !== undefined) return undefined;
    return { ...pet, status: "reserved" as const, reservedBy: username, reservedUntil: until };
  });
  return refused === undefined ? { pet: stored!.value } : { refused };
}

/** Gives a pet reserved by `username` back to the catalogue; anything else is left alone. */
export async function releasePet(kv: KvClient, id: string, username: string): Promise<void> {
  await kv.update(petKey(id), storedPet, (pet) => {
    if (!pet || pet.status !== "reserved" || pet.reservedBy !== username) return undefined;
    const { reservedBy: _by, reservedUntil: _until, ...rest } = pet;
    return { ...rest, status: "available" as const };
  });
}
