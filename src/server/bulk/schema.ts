import { z } from 'zod';

const flag = z.boolean().optional();

/** The user list's filters, in a JSON body. */
export const bulkFilter = z.strictObject({
  q: z.string().trim().max(200).optional(),
  role: z.string().max(64).optional(),
  group: z.string().max(64).optional(),
  tag: z.string().max(64).optional(),
  license: z.string().max(64).optional(),
  extension: z.string().regex(/^[0-9]{1,15}$/).optional(),
  agent: flag,
  skill: z.string().max(64).optional(),
  connection: z.enum(['webrtc', 'pbx', 'custom']).optional(),
  active: flag,
});

export const MAX_BULK = 10_000;

const ids = z
  .array(z.string().max(64))
  .min(1)
  .max(MAX_BULK)
  .refine((list) => new Set(list).size === list.length, 'Ids repeat');

/** Which users: listed by id, or all that match the list's filters. */
export const bulkTarget = z.union([z.strictObject({ ids }), z.strictObject({ filter: bulkFilter })], 'Give either ids or filter');

const confirm = z.number().int().min(0).describe('How many users you saw: a different count is refused');
export const bulkDelete = z.union([z.strictObject({ ids, confirm }), z.strictObject({ filter: bulkFilter, confirm })], 'Give either ids or filter, and confirm');
export const bulkResult = z.object({ bulkId: z.string(), count: z.number().int(), users: z.array(z.object({ id: z.string(), login: z.string() })) });

export type BulkTarget = z.infer<typeof bulkTarget>;
