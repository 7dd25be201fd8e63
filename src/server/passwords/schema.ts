import { z } from 'zod';

const count = z.number().int().min(0).max(64);

/** A domain's password policy. The defaults are TeleCube's rules plus breached-password screening. */
export const passwordPolicy = z.strictObject({
  minLength: z.number().int().min(4).max(256).default(8),
  maxLength: z.number().int().min(8).max(1024).default(128),
  minLower: count.default(1),
  minUpper: count.default(1),
  minDigits: count.default(1),
  minSpecial: count.default(1),
  rejectPersonalInfo: z.boolean().default(true).describe('Refuse passwords containing the login, the e-mail or a name'),
  historyCount: z.number().int().min(0).max(24).default(5).describe('Refuse the last N passwords of the user'),
  minStrength: z.number().int().min(0).max(4).default(2).describe('Minimum zxcvbn score, 0 (anything) to 4 (very strong)'),
  rejectBreached: z.boolean().default(true).describe('Refuse passwords found in breaches (Have I Been Pwned range API or the offline list)'),
});

export const defaultPasswordPolicy = passwordPolicy.parse({});

export const passwordCheckBody = z.strictObject({
  password: z.string().max(1024),
  login: z.string().max(254).optional(),
  email: z.string().max(254).optional(),
  firstName: z.string().max(100).optional(),
  lastName: z.string().max(100).optional(),
});

export const passwordCheckResponse = z.object({
  acceptable: z.boolean(),
  strength: z.number().int(),
  problems: z.array(z.object({ code: z.string(), message: z.string() })),
});

export type PasswordPolicy = z.infer<typeof passwordPolicy>;
export type PasswordProblem = { code: string; message: string };
/** Who the password is for: a password may not contain these. */
export type Identity = { login?: string | null; email?: string | null; firstName?: string | null; lastName?: string | null };
