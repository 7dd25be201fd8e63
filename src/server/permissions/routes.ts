import { z } from 'zod';
import type { Router } from '../deps.ts';
import { allPermissions, permissionCatalog } from './catalog.ts';

const permissionView = z.object({ name: z.string(), scope: z.enum(['domain', 'self', 'platform']), description: z.string() });
const catalog = allPermissions.map((name) => ({ name, ...permissionCatalog[name] }));

export function permissionRoutes(router: Router): void {
  router.get('/api/v1/permissions', {
    config: { access: { authenticated: true, token: 'profile:read' } },
    schema: {
      tags: ['roles'],
      summary: 'The catalog of permissions a role may hold',
      description: '`platform` permissions belong to platform administrators only; no role can hold them.',
      response: { 200: z.object({ items: z.array(permissionView), nextCursor: z.null() }) },
    },
    handler: async () => ({ items: catalog, nextCursor: null }),
  });
}
