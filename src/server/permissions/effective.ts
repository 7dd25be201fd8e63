import { allPermissions, grantablePermissions, isGrantable, type Permission } from './catalog.ts';

/**
 * Effective permissions: the union of every held role's, everything in the domain for a
 * domain administrator, everything at all for a platform administrator.
 */
export function effectivePermissions(roles: readonly (readonly string[])[], flags: { domainAdmin: boolean; platformAdmin: boolean }): Set<Permission> {
  if (flags.platformAdmin) return new Set(allPermissions);
  if (flags.domainAdmin) return new Set(grantablePermissions);
  const held = new Set<Permission>();
  for (const list of roles) for (const p of list) if (isGrantable(p)) held.add(p);
  return held;
}
