import { z } from 'zod';

export const changesQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0).describe('The last sequence number you have; entries after it are answered, oldest first'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const changeView = z.object({
  seq: z.number().int(),
  at: z.string(),
  resource: z.object({ type: z.string(), id: z.string() }),
  action: z.string(),
  version: z.number().int().nullable().describe('The version the resource has after this change, where it keeps one'),
  fields: z.array(z.string()).describe('Names of the fields that changed; never their values'),
  actor: z.object({ id: z.string().nullable(), login: z.string() }),
});

export const changePage = z.object({
  items: z.array(changeView),
  nextCursor: z.string().nullable().describe('The `after` of the next page while there are more; else null (follow with the last seq)'),
});

export type ChangesQuery = z.infer<typeof changesQuery>;
export type ChangeView = z.infer<typeof changeView>;
