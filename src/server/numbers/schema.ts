import { z } from 'zod';
import { alphanumericSender, e164 } from '../identifiers/phone-numbers.ts';

export const numberCreate = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('number'),
    value: e164,
    voice: z.boolean().default(true),
    sms: z.boolean().default(false),
    description: z.string().trim().max(500).nullable().optional(),
  }),
  z.strictObject({
    kind: z.literal('sender'),
    value: alphanumericSender,
    description: z.string().trim().max(500).nullable().optional(),
  }),
]);

export const numberUpdate = z.strictObject({
  voice: z.boolean().optional(),
  sms: z.boolean().optional(),
  description: z.string().trim().max(500).nullable().optional(),
});

export const numberView = z.object({
  value: z.string(),
  kind: z.enum(['number', 'sender']),
  voice: z.boolean(),
  sms: z.boolean(),
  description: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const numberListQuery = z.strictObject({
  capability: z.enum(['voice', 'sms']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(1000).optional(),
});

export type NumberCreate = z.infer<typeof numberCreate>;
export type NumberUpdate = z.infer<typeof numberUpdate>;
