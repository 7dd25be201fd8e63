import { z } from 'zod';
import { limitSchema } from '../http/paging.ts';
import { patternProblem, urlProblem } from './rules.ts';

/** A receiver's address, checked as every signed POST's is (the CRM gate's too). */
export const receiverUrl = z
  .string()
  .max(2000)
  .superRefine((text, context) => {
    const problem = urlProblem(text);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

const url = receiverUrl.describe('Where deliveries are POSTed: http or https, on a public address unless SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE=true');

const pattern = z
  .string()
  .max(100)
  .superRefine((text, context) => {
    const problem = patternProblem(text);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

const eventTypes = z
  .array(pattern)
  .min(1)
  .max(100)
  .describe(
    "The events wanted: types as the change feed names its actions (`user.created`, `user.updated`, `license.assigned`), a resource with `.*` (`role.*`) or `*` (every change of the feed). SIP accounts change as `user.updated` with `sip…` fields. `presence.changed` (an agent's status, CC login, registration or online state: `data: { domain, userId, dimension, value, status, reason, by, at }`) comes only when named, as `presence.changed` or `presence.*`.",
  );

export const webhookCreate = z.strictObject({
  url,
  eventTypes,
  description: z.string().trim().max(500).nullable().default(null),
  active: z.boolean().default(true),
});

export const webhookUpdate = z.strictObject({
  url: url.optional(),
  eventTypes: eventTypes.optional(),
  description: z.string().trim().max(500).nullable().optional(),
  active: z.boolean().optional().describe('Turning a subscription back on resumes it where it stopped: nothing still in the change feed is missed'),
});

export const webhookView = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  eventTypes: z.array(z.string()),
  active: z.boolean(),
  disabledReason: z.string().nullable().describe('`deliveries_failing` when the server turned it off after a delivery failed for the whole retry time'),
  lastSeq: z.number().int().describe('The last change of the feed turned into deliveries for it'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const webhookSecret = z.object({
  secret: z.string().describe('The signing secret (`whsec_…`), shown only now; verify deliveries with it as the Standard Webhooks specification says'),
});

export const webhookCreated = webhookView.extend(webhookSecret.shape);

export const attemptView = z.object({
  attempt: z.number().int(),
  at: z.string(),
  status: z.number().int().nullable().describe("The receiver's HTTP status; null when none came"),
  latencyMs: z.number().int(),
  error: z.string().nullable(),
});

export const deliveryView = z.object({
  id: z.string().describe('Also its `webhook-id` header, the same on every attempt'),
  eventType: z.string(),
  seq: z.number().int().nullable().describe('The change delivered; null for a test ping'),
  state: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  createdAt: z.string(),
  nextAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  log: z.array(attemptView).describe('Every attempt, oldest first'),
});

export const deliveriesQuery = z.strictObject({
  state: z.enum(['pending', 'delivered', 'failed']).optional(),
  limit: limitSchema,
  cursor: z.string().max(1000).optional(),
});

export type WebhookCreate = z.infer<typeof webhookCreate>;
export type WebhookUpdate = z.infer<typeof webhookUpdate>;
export type WebhookView = z.infer<typeof webhookView>;
export type DeliveryView = z.infer<typeof deliveryView>;
export type DeliveriesQuery = z.infer<typeof deliveriesQuery>;
