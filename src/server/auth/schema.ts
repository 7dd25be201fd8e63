import { z } from 'zod';
import { userResponse } from '../users/schema.ts';

export const loginBody = z.strictObject({
  domain: z.string().min(1).max(253),
  login: z.string().min(1).max(254).describe('The login or the e-mail address'),
  password: z.string().min(1).max(256),
  totp: z.string().max(10).optional().describe('The authenticator code, for an account with two-factor authentication'),
  recoveryCode: z.string().max(40).optional().describe('A single-use recovery code, instead of `totp`'),
});

export const loginResponse = z.object({
  token: z.string().describe('Send as `Authorization: Bearer …`; the same session is also set as an HttpOnly cookie'),
  expiresAt: z.string(),
  user: userResponse,
});

export const meResponse = z.object({
  user: userResponse,
  permissions: z.array(z.string()),
});
