import { z } from 'zod';

/** The name of a tag or a skill, as users and agents carry it. */
export const tag = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^|,;/]+$/, 'A tag may not contain | , ; or /');
