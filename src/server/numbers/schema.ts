import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';

/** A phone number in any common writing, kept in E.164 (`+48221234567`) when it is a valid one. */
export const e164 = z
  .string()
  .trim()
  .max(32)
  .refine((text) => parsePhoneNumberFromString(text)?.isValid() === true, 'Not a valid phone number in international form, such as +48 22 123 45 67')
  .transform((text) => parsePhoneNumberFromString(text)?.number as string);

/** Alphanumeric SMS sender IDs: at most 11 latin letters, digits and spaces, with a letter in them. */
export const alphanumericSender = z
  .string()
  .trim()
  .regex(/^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/, 'At most 11 latin letters, digits and spaces, at least one letter');

export const numberCreate = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('number'),
    value: e164,
    voice: z.boolean().default(true),
    sms: z.boolean().default(false),
    description: z.string().trim().max(500).nullable().optional(),
  }),
  z.strictObject({
    kind: z.literal('sender'),
    value: alphanumericSender,
    description: z.string().trim().max(500).nullable().optional(),
  }),
]);

export const numberUpdate = z.strictObject({
  voice: z.boolean().optional(),
  sms: z.boolean().optional(),
  description: z.string().trim().max(500).nullable().optional(),
});

export const numberView = z.object({
  value: z.string(),
  kind: z.enum(['number', 'sender']),
  voice: z.boolean(),
  sms: z.boolean(),
  description: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const numberListQuery = z.strictObject({
  capability: z.enum(['voice', 'sms']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(1000).optional(),
});

export type NumberCreate = z.infer<typeof numberCreate>;
