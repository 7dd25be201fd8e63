import { grantablePermissions, type Permission } from '../permissions/catalog.ts';

/** The roles every domain starts with. `admin` is fixed: it always holds everything in the domain. */
export const builtinRoles: { name: string; description: string; permissions: Permission[] }[] = [
  { name: 'admin', description: 'Administers everything in the domain', permissions: grantablePermissions },
  {
    name: 'supervisor',
    description: "Sees the users, groups, roles, tags, skills and licenses of the domain and the audit log; manages group membership; forces agents' status",
    permissions: [
      'users:read',
      'users:force-status',
      'roles:read',
      'groups:read',
      'groups:update',
      'catalogs:read',
      'licenses:read',
      'numbers:read',
      'audit:read',
      'profile:read',
      'profile:update',
    ],
  },
  { name: 'agent', description: 'Sees and edits only their own account', permissions: ['profile:read', 'profile:update'] },
];

export const ADMIN_ROLE = 'admin';
