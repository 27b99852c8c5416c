import { z } from "zod";

/**
 * Types both services and their clients share. Money is always an integer number of cents: floating-point
 * euros would make "balances + charges stay constant" false by rounding alone.
 */

export const cents = z
  .number({ error: "expected an integer number of cents" })
  .int("expected an integer number of cents")
  .positive("must be more than 0")
  .max(100_000_000, "at most 100000000 cents (1 million)");

/** The Luhn checksum: doubling every second digit from the right catches every single-digit typo. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export const cardNumber = z
  .string({ error: "expected the card number as a string of digits" })
  .regex(/^\d{12,19}$/, "a card number has 12 to 19 digits, nothing else")
  .refine(luhnValid, "this card number fails the Luhn check (a digit is wrong)");

/** Keys that travel into KV keys, so they use the KV's key alphabet. */
export const opaqueKey = z
  .string()
  .min(8, "at least 8 characters")
  .max(128, "at most 128 characters")
  .regex(/^[A-Za-z0-9._~:-]+$/, "letters, digits and . _ ~ : - only");

export const problemSchema = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
});

/** The error answers both services document on their routes: each a problem+json. */
export const problemResponses = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  422: problemSchema,
  503: problemSchema,
};

export const pageQuery = {
  limit: z.coerce.number().int("limit must be an integer").min(1).max(100).default(20),
  cursor: z.string().min(1).max(2000).optional(),
};

/** "1234 5678 …" is personal data: logs and answers show the last four digits only. */
export function maskCard(card: string): string {
  return `****${card.slice(-4)}`;
}
