import { z } from 'zod';
import { limitSchema } from '../http/paging.ts';

/** What the log is kept about: the `target.type` of its entries. */
export const auditTargetTypes = [
  'user',
  'role',
  'group',
  'domain',
  'session',
  'license',
  'tag',
  'skill',
  'number',
  'desk',
  'pause_reason',
  'bulk',
  'identity_provider',
] as const;

export const auditQuery = z
  .strictObject({
    target: z
      .string()
      .trim()
      .max(200)
      .optional()
      .describe("The changed thing: its id (a user id, a role or group name) or its name as the entry recorded it (a user's login)"),
    targetType: z.enum(auditTargetTypes).optional(),
    actor: z.string().trim().max(200).optional().describe("Who made the change: the user's id or login (`system` for the server itself)"),
    action: z.string().trim().max(100).optional().describe('Exact action, such as user.updated'),
    from: z.iso.datetime({ offset: true }).optional().describe('Entries at or after this time'),
    to: z.iso.datetime({ offset: true }).optional().describe('Entries before this time'),
    limit: limitSchema,
    cursor: z.string().max(1000).optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { path: ['to'], message: 'to is after from' });

export const auditEntry = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({ id: z.string().nullable(), login: z.string() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string(), name: z.string() }),
  changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
});

export type AuditQuery = z.infer<typeof auditQuery>;
export type AuditEntryView = z.infer<typeof auditEntry>;
