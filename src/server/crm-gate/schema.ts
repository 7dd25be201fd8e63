import { z } from 'zod';
import { externalSystem } from '../external-ids/schema.ts';
import { receiverUrl } from '../webhooks/schema.ts';

/** A Standard Webhooks signing secret: `whsec_` and 24 to 64 random bytes in base64, as the receiver's library takes it. */
const secret = z
  .string()
  .max(200)
  .refine((text) => {
    const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(text);
    const bytes = match ? Buffer.from(match[1] as string, 'base64').length : 0;
    return bytes >= 24 && bytes <= 64;
  }, 'A signing secret as Standard Webhooks writes it: whsec_ and 24 to 64 random bytes in base64')
  .describe('Write-only: the secret requests are signed with (webhook-signature); kept sealed, never answered. Absent: the one set before stays');

const url = receiverUrl.describe(
  'Where Switchboard POSTs the users about to be made: http or https, on a public address unless SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE=true',
);

export const crmGateInput = z.strictObject({
  enabled: z.boolean().default(true).describe('Off: users are made without asking the CRM; the settings stay'),
  url,
  secret: secret.optional(),
  system: externalSystem.describe('The system the ids the CRM answers are stored under, among the users’ external ids (creatio)'),
  timeoutSeconds: z.number().int().min(1).max(30).default(5).describe('How long to wait for the CRM; no answer in time refuses the write (503)'),
});

export const crmGateView = z.object({
  configured: z.boolean(),
  enabled: z.boolean(),
  url: z.string().nullable(),
  system: z.string().nullable(),
  timeoutSeconds: z.number().int(),
  secretSet: z.boolean(),
  updatedAt: z.string().nullable(),
});

export const crmGateTestResult = z.object({
  passed: z.boolean().describe('The CRM answered 2xx to a request with no users, signed as every other'),
  status: z.number().int().nullable(),
  latencyMs: z.number().int(),
  detail: z.string(),
});

/** How the gate is kept: the domain's settings document, its secret sealed. */
export const storedGate = z.object({
  enabled: z.boolean(),
  url: z.string(),
  secret: z.string(),
  system: z.string(),
  timeoutSeconds: z.number().int(),
  updatedAt: z.string(),
});

export type CrmGateInput = z.infer<typeof crmGateInput>;
export type CrmGateView = z.infer<typeof crmGateView>;
export type StoredGate = z.infer<typeof storedGate>;
