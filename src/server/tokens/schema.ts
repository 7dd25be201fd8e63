import { z } from 'zod';
import { grantablePermissions } from '../permissions/catalog.ts';

const scope = z
  .array(z.enum(grantablePermissions as [string, ...string[]]))
  .min(1)
  .max(100);

export const tokenCreate = z.strictObject({
  name: z.string().trim().min(1).max(100).describe('What the token is for, such as "CRM sync"'),
  permissions: scope.describe('The scope: a subset of your own permissions'),
  expiresIn: z
    .number()
    .int()
    .min(3600)
    .max(2 * 365 * 86_400)
    .default(90 * 86_400)
    .describe('Seconds until it stops working'),
});

export const tokenView = z.object({
  id: z.string(),
  name: z.string(),
  permissions: z.array(z.string()),
  createdAt: z.string(),
  expiresAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

export const tokenCreated = tokenView.extend({ token: z.string().describe('Shown only now; send it as Authorization: Bearer') });

export type TokenCreate = z.infer<typeof tokenCreate>;
