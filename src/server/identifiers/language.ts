import { z } from 'zod';

const canonicalLanguage = (tag: string) => {
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
};

/** A BCP 47 language tag, written back in its canonical spelling (`EN-gb` → `en-GB`). */
export const language = z
  .string()
  .max(35)
  .refine((tag) => canonicalLanguage(tag) !== undefined, 'Not a BCP 47 language tag such as pl or en-GB')
  .transform((tag) => canonicalLanguage(tag) as string);
