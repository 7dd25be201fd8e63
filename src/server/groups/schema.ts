import { z } from 'zod';
import { catalogName } from '../roles/schema.ts';

export const groupBase = z.strictObject({
  name: catalogName,
  description: z.string().trim().max(500).nullable().optional(),
  roles: z.array(catalogName).max(100).default([]).describe('Roles every member of the group holds while a member'),
  externalId: z.string().trim().max(255).nullable().optional().describe("The identity provider's id of the group"),
});

export const groupCreate = groupBase;
export const groupUpdate = z.strictObject({
  name: catalogName.optional(),
  description: groupBase.shape.description,
  roles: z.array(catalogName).max(100).optional(),
  externalId: groupBase.shape.externalId,
});

export const groupResponse = z.object({
  name: z.string(),
  description: z.string().nullable(),
  roles: z.array(z.string()),
  memberCount: z.number().int(),
  externalId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const groupParams = z.object({ domain: z.string(), name: z.string() });
export const memberParams = z.object({ domain: z.string(), name: z.string(), id: z.string() });

export type GroupCreate = z.infer<typeof groupCreate>;
export type GroupUpdate = z.infer<typeof groupUpdate>;
export type GroupView = z.infer<typeof groupResponse>;
