import { z } from 'zod';
import { agentPatch } from '../agents/schema.ts';
import { sipPatch } from '../sip-accounts/schema.ts';
import { userUpdate } from '../users/schema.ts';

const flag = z.boolean().optional();

/** The user list's filters, in a JSON body. */
export const bulkFilter = z.strictObject({
  q: z.string().trim().max(200).optional(),
  role: z.string().max(64).optional(),
  group: z.string().max(64).optional(),
  tag: z.string().max(64).optional(),
  license: z.string().max(64).optional(),
  extension: z
    .string()
    .regex(/^[0-9]{1,15}$/)
    .optional(),
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
export const bulkDelete = z.union(
  [z.strictObject({ ids, confirm }), z.strictObject({ filter: bulkFilter, confirm })],
  'Give either ids or filter, and confirm',
);
export const bulkResult = z.object({ bulkId: z.string(), count: z.number().int(), users: z.array(z.object({ id: z.string(), login: z.string() })) });

export type BulkTarget = z.infer<typeof bulkTarget>;

const names = z.array(z.string().trim().min(1).max(64)).max(100);

/** What a bulk edit does to each user: lists grow or shrink, fields are set. */
const operations = {
  preview: z.boolean().default(false).describe('Answer who would change, and change nothing'),
  add: z
    .strictObject({
      roles: names,
      groups: names,
      tags: names,
      licenses: names.describe('A seat each, for users not holding it'),
      skills: z.array(z.strictObject({ skill: z.string().trim().min(1).max(64), level: z.number().int().min(0).max(100) })).max(100),
    })
    .partial()
    .default({}),
  remove: z
    .strictObject({
      roles: names,
      groups: names,
      tags: names,
      licenses: names.describe('Seats given back; refused for users still using what the license covers'),
      skills: names,
    })
    .partial()
    .default({}),
  set: z
    .strictObject({
      active: z.boolean(),
      timezone: userUpdate.shape.timezone,
      language: userUpdate.shape.language,
      position: userUpdate.shape.position,
      description: userUpdate.shape.description,
      agent: agentPatch.omit({ skills: true }),
      sip: sipPatch.pick({ connection: true, customUri: true, stun: true, authAcl: true }).describe('Applied to users that have a SIP account'),
    })
    .partial()
    .default({}),
};

export const bulkEdit = z.union(
  [z.strictObject({ ids, ...operations }), z.strictObject({ filter: bulkFilter, ...operations })],
  'Give either ids or filter, with add, remove or set',
);
export const bulkEditResult = z.object({
  preview: z.boolean(),
  bulkId: z.string().nullable(),
  count: z.number().int().describe('Users that change'),
  users: z.array(z.object({ id: z.string(), login: z.string() })),
});
export type BulkEdit = z.infer<typeof bulkEdit>;
