import { z } from 'zod';

/** Brute-force protection of a domain's sign-ins; on unless an administrator turns it off. */
export const bruteForceSettings = z.strictObject({
  enabled: z.boolean().default(true),
  maxFailures: z.number().int().min(1).max(100).default(5).describe('Consecutive failures of one account before it is locked'),
  lockoutSeconds: z.number().int().min(1).max(86_400).default(300).describe('First lockout; each further one doubles'),
  maxLockoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .default(86_400),
  addressMaxFailures: z.number().int().min(1).max(10_000).default(50).describe('Failures from one address, any accounts, before it is locked'),
  failureWindowSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(3600)
    .describe('Failures older than this are forgotten'),
  delayStepMs: z.number().int().min(0).max(2000).default(200).describe('Each consecutive failure delays the answer by this much more (at most 3 s)'),
});

export const defaultBruteForceSettings = bruteForceSettings.parse({});

export type BruteForceSettings = z.infer<typeof bruteForceSettings>;
