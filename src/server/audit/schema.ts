import { z } from 'zod';
import { limitSchema } from '../http/paging.ts';

export const auditQuery = z.strictObject({
  target: z.string().max(200).optional().describe('Id of the changed thing (a user id, a role or group name)'),
  targetType: z.enum(['user', 'role', 'group', 'domain', 'session', 'license', 'tag', 'skill', 'number']).optional(),
  actor: z.string().max(200).optional().describe('Id of the user who made the change'),
  action: z.string().max(100).optional().describe('Exact action, such as user.updated'),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: limitSchema,
  cursor: z.string().max(1000).optional(),
});

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
