import { z } from "zod";

/** The API contract of the KV service: validation, TypeScript types and the OpenAPI page all come from here. */

export const MAX_KEY_LENGTH = 250;
const KEY_CHARACTERS = /^[A-Za-z0-9._~:-]*$/;
const KEY_RULE = "letters, digits and . _ ~ : - only";

export const keySchema = z
  .string()
  .min(1, "a key has at least 1 character")
  .max(MAX_KEY_LENGTH, `a key has at most ${MAX_KEY_LENGTH} characters`)
  .regex(KEY_CHARACTERS, KEY_RULE);

export const keyParams = z.strictObject({ key: keySchema });

export const valueBody = z.strictObject({ value: z.string({ error: "value must be a string" }) });

export const listQuery = z.strictObject({
  prefix: z.string().max(MAX_KEY_LENGTH).regex(KEY_CHARACTERS, KEY_RULE).default(""),
  limit: z.coerce.number().int("limit must be an integer").min(1).max(1000).default(100),
  cursor: z.string().min(1).optional(),
});

export const writeResult = z.object({ key: z.string(), version: z.number().int() });

export const entrySchema = z.object({ key: z.string(), value: z.string(), version: z.number().int() });

export const pageSchema = z.object({
  items: z.array(entrySchema),
  /** Pass as `cursor` to get the next page; null on the last page. */
  next: z.string().nullable(),
});

export const problemSchema = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
});
