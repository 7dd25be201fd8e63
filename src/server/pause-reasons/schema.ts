import { z } from 'zod';

export const pauseReasonInput = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[^|,;/]+$/),
  description: z.string().trim().max(500).nullable().optional(),
  maxDuration: z.number().int().min(60).max(86_400).nullable().optional().describe('Seconds; a longer pause is flagged overdue'),
});
export const pauseReasonView = z.object({ name: z.string(), description: z.string().nullable(), maxDuration: z.number().int().nullable() });
export type PauseReasonInput = z.infer<typeof pauseReasonInput>;
