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
