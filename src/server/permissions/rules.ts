import type { Permission } from './catalog.ts';

/**
 * Permissions a change would hand out that the actor does not hold itself.
 * Nobody can grant more than they have; making someone a domain administrator grants everything.
 */
export function permissionsBeyondActor(actor: { platformAdmin: boolean; permissions: ReadonlySet<Permission> }, granted: Iterable<string>): string[] {
  if (actor.platformAdmin) return [];
  return [...new Set(granted)].filter((p) => !actor.permissions.has(p as Permission)).sort();
}
