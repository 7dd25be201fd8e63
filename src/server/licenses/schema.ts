import { z } from 'zod';
import { catalogName } from '../roles/schema.ts';

/** What a license may be needed for; the agent flag needs an `agent` license, for example. */
export const capabilities = ['agent', 'crm', 'dialer', 'webrtc'] as const;

export const licenseBase = z.strictObject({
  name: catalogName,
  description: z.string().trim().max(500).nullable().optional(),
  seats: z.number().int().min(0).max(1_000_000),
  expiresAt: z.iso.datetime({ offset: true }).nullable().optional().describe('After this moment nobody holds it'),
  capability: z.enum(capabilities).nullable().optional().describe('A capability a user needs this license for'),
});

export const licenseCreate = licenseBase;
export const licenseUpdate = licenseBase.partial();

export const licenseView = z.object({
  name: z.string(),
  description: z.string().nullable(),
  kind: z.literal('named'),
  seats: z.number().int(),
  used: z.number().int(),
  free: z.number().int(),
  expiresAt: z.string().nullable(),
  expired: z.boolean(),
  capability: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type LicenseCreate = z.infer<typeof licenseCreate>;
export type LicenseUpdate = z.infer<typeof licenseUpdate>;
