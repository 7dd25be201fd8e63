import { z } from 'zod';
import { grantablePermissions } from '../permissions/catalog.ts';

/** Names of roles and groups appear in URLs and CSV cells, so they avoid `/ | , ;`. */
export const catalogName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u, 'Letters, digits, spaces, dots, underscores and hyphens, starting with a letter or digit');

const permissionName = z.enum(grantablePermissions as [string, ...string[]], {
  error: (issue) => `Unknown permission ${JSON.stringify(issue.input)}; see GET /api/v1/permissions`,
});

export const roleBase = z.strictObject({
  name: catalogName,
  description: z.string().trim().max(500).nullable().optional(),
  permissions: z.array(permissionName).max(200).default([]),
  requireTwoFactor: z.boolean().default(false).describe('Whoever holds the role must enrol in two-factor authentication before doing anything else'),
});

export const roleCreate = roleBase;
export const roleUpdate = roleBase.partial();

export const roleResponse = z.object({
  name: z.string(),
  description: z.string().nullable(),
  permissions: z.array(z.string()),
  builtin: z.boolean(),
  requireTwoFactor: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const roleParams = z.object({ domain: z.string(), name: z.string() });

export type RoleCreate = z.infer<typeof roleCreate>;
export type RoleUpdate = z.infer<typeof roleUpdate>;
export type RoleView = z.infer<typeof roleResponse>;
