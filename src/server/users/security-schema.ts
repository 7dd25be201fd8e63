import { z } from 'zod';
import { allowedNetwork } from '../networks/schema.ts';

/** A user's sign-in security: stored as given, enforced at sign-in and on every request. */
export const securitySettings = z.strictObject({
  twoFactor: z.enum(['none', 'totp']).describe('Read it; write only `none` (an administrator resetting 2FA). Enrol with POST /me/totp'),
  requireTwoFactor: z
    .boolean()
    .describe('The user must enrol in two-factor authentication at the next sign-in before doing anything else (a role or the domain can ask it too)'),
  sessionTimeout: z
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .nullable()
    .describe('Idle seconds before a session ends; null: no idle limit'),
  sessionMaxAge: z
    .number()
    .int()
    .min(300)
    .max(30 * 86_400)
    .nullable()
    .describe('Seconds a session lasts at most; null: the server default (12 h)'),
  maxSessions: z.number().int().min(1).max(1000).nullable().describe('Concurrent sessions; null: unlimited'),
  sessionLimit: z.enum(['deny-new', 'end-oldest']).describe('What a sign-in past maxSessions does'),
  ipAllowList: z.array(allowedNetwork).max(100).describe('Addresses the user may sign in from; empty: anywhere'),
});

/** As answered: the networks as stored (they were checked on the way in). */
export const securityView = securitySettings.extend({ ipAllowList: z.array(z.string()) });

export const defaultSecurity: z.infer<typeof securitySettings> = {
  twoFactor: 'none',
  requireTwoFactor: false,
  sessionTimeout: null,
  sessionMaxAge: null,
  maxSessions: null,
  sessionLimit: 'end-oldest',
  ipAllowList: [],
};

/** In a request: every field optional; two-factor can only be turned off here. */
export const securityInput = securitySettings
  .extend({ twoFactor: z.literal('none', 'Enrol in two-factor authentication with POST /api/v1/me/totp; here it can only be reset to none') })
  .partial();

export const integrationsInput = z
  .strictObject({
    oauthEmail: z.email('Not an e-mail address').max(254).nullable(),
    calDavToken: z.string().min(1).max(4096).nullable().describe('Write-only; stored encrypted'),
    crmId: z.string().trim().max(200).nullable(),
  })
  .partial();

export const integrationsView = z.object({
  oauthEmail: z.string().nullable(),
  calDavTokenSet: z.boolean(),
  crmId: z.string().nullable(),
});

export type SecuritySettings = z.infer<typeof securitySettings>;
export type IntegrationsView = z.infer<typeof integrationsView>;
