import { z } from 'zod';

const label = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';

/** A domain's name is DNS-shaped, so it can also serve as its SIP realm. */
export const domainName = z
  .string()
  .max(253)
  .regex(new RegExp(`^${label}(?:\\.${label})*$`), 'Lower-case letters, digits, hyphens and dots, like a host name');

export const domainBase = z.strictObject({
  name: domainName,
  title: z.string().trim().max(200).nullable().optional(),
  active: z.boolean().default(true),
  requireTwoFactor: z.boolean().default(false).describe('Every user of the domain must enrol in two-factor authentication before doing anything else'),
  realm: domainName.optional().describe('SIP digest realm; defaults to the domain name'),
});

export const domainCreate = domainBase;
export const domainUpdate = domainBase.pick({ title: true, active: true, requireTwoFactor: true, realm: true }).partial();

export const domainResponse = z.object({
  name: z.string(),
  title: z.string().nullable(),
  active: z.boolean(),
  requireTwoFactor: z.boolean(),
  realm: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const domainParams = z.object({ domain: z.string() });

export type DomainCreate = z.infer<typeof domainCreate>;
export type DomainUpdate = z.infer<typeof domainUpdate>;
export type DomainView = z.infer<typeof domainResponse>;
