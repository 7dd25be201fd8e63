import { conflict, forbidden } from '../http/problem.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import type { Permission } from '../permissions/catalog.ts';
import { permissionsBeyondActor } from '../permissions/rules.ts';
import { ADMIN_ROLE } from './builtin.ts';
import type { RoleUpdate } from './schema.ts';

/** What the rules look at in a role. */
type RoleKind = { name: string; builtin: number };

/** Who hands out permissions (on a role, or through a group's roles), with what they hold. */
export interface Granter {
  id: string | null;
  login: string;
  platformAdmin: boolean;
  permissions: ReadonlySet<Permission>;
}

/** Nobody grants a permission they do not hold. */
export function grantRefused(actor: Granter, permissions: Iterable<string>) {
  const beyond = permissionsBeyondActor(actor, permissions);
  return beyond.length ? forbidden(`You cannot grant permissions you do not hold: ${beyond.join(', ')}`) : null;
}

/** The built-in `admin` role always holds everything in the domain. */
export const isAdminRole = (role: RoleKind) => nameKey(role.name) === ADMIN_ROLE && role.builtin === 1;

/** `admin` does not change; no built-in role is renamed (their names are what the code and other domains know them by). */
export function roleChangeRefused(role: RoleKind, change: RoleUpdate) {
  if (isAdminRole(role)) return forbidden('The admin role always holds every permission of the domain and cannot be changed');
  if (role.builtin === 1 && change.name !== undefined && change.name !== role.name) return forbidden('Built-in roles keep their names');
  return null;
}

/** Built-in roles stay. */
export const roleRemovalRefused = (role: Pick<RoleKind, 'builtin'>) => (role.builtin === 1 ? forbidden('Built-in roles cannot be deleted') : null);

/** A role someone holds, directly or through a group, stays until they no longer do. */
export function roleInUse(usage: { users: number; groups: number }) {
  return usage.users + usage.groups > 0
    ? conflict('role.in_use', `The role is held by ${usage.users} user(s) and granted by ${usage.groups} group(s); take it away from them first`)
    : null;
}

/** A domain that had an administrator keeps at least one. */
export function leavesDomainUnadministered(before: boolean, after: boolean): boolean {
  return before && !after;
}

export const lastAdministrator = () =>
  conflict('domain.last_administrator', 'This change would leave the domain without an administrator; make someone else an administrator first');
