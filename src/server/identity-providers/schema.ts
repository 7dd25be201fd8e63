import { z } from 'zod';
import { catalogName } from '../roles/schema.ts';
import { issuerProblem, matchClaims } from './rules.ts';

const issuer = z
  .string()
  .max(2000)
  .superRefine((text, context) => {
    const problem = issuerProblem(text);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  })
  .describe("The provider's issuer; its discovery document (`/.well-known/openid-configuration`) is read when saved. https, or http on loopback only");

const emailDomain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/, 'A domain name, such as example.com');

const justInTime = z.strictObject({
  enabled: z.boolean().default(false).describe('Create a user at the first sign-in of someone the directory does not know'),
  roles: z.array(catalogName).max(100).default([]).describe('The roles users created so get (at least one when enabled)'),
  groups: z.array(catalogName).max(200).default([]).describe('The groups users created so join'),
});

const fields = {
  issuer,
  clientId: z.string().trim().min(1).max(500),
  clientSecret: z.string().min(1).max(2000).describe('Write-only: sealed at rest, never answered'),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'A scope has no spaces or quotes'))
    .max(50)
    .default(['openid', 'email', 'profile'])
    .describe('`openid` is always asked for'),
  matchClaim: z.enum(matchClaims).default('email').describe("The claim a user is matched by: first against the user's OAuth e-mail, then the e-mail"),
  allowedEmailDomains: z.array(emailDomain).max(100).default([]).describe('Sign-ins with an e-mail outside these domains are refused; empty: any'),
  buttonLabel: z.string().trim().min(1).max(100).describe('The text of the sign-in button'),
  justInTime: justInTime.default({ enabled: false, roles: [], groups: [] }),
};

export const providerCreate = z.strictObject(fields);

export const providerUpdate = z.strictObject({
  issuer: issuer.optional(),
  clientId: fields.clientId.optional(),
  clientSecret: fields.clientSecret.optional(),
  scopes: fields.scopes.unwrap().optional(),
  matchClaim: z.enum(matchClaims).optional(),
  allowedEmailDomains: fields.allowedEmailDomains.unwrap().optional(),
  buttonLabel: fields.buttonLabel.optional(),
  justInTime: justInTime.partial().optional(),
});

export const providerView = z.object({
  id: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  clientSecretSet: z.boolean(),
  scopes: z.array(z.string()),
  matchClaim: z.enum(matchClaims),
  allowedEmailDomains: z.array(z.string()),
  buttonLabel: z.string(),
  justInTime: z.object({ enabled: z.boolean(), roles: z.array(z.string()), groups: z.array(z.string()) }),
  redirectUri: z.string().describe('Register this redirect URI at the provider'),
  postLogoutRedirectUri: z.string().describe('Register this as a post-logout redirect URI at the provider, for RP-initiated logout'),
  startUrl: z.string().describe('Where the sign-in button leads'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const ssoPolicy = z.strictObject({
  required: z.boolean().describe('Every user of the domain signs in through an identity provider: no password sign-in'),
  requiredRoles: z.array(catalogName).max(100).describe('Whoever holds one of these roles signs in through an identity provider only'),
});

export const signInButton = z.object({ label: z.string(), startUrl: z.string() });

export type ProviderCreate = z.infer<typeof providerCreate>;
export type ProviderUpdate = z.infer<typeof providerUpdate>;
export type ProviderView = z.infer<typeof providerView>;
export type SsoPolicy = z.infer<typeof ssoPolicy>;
