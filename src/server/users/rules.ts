import { permissionCatalog, type Permission } from '../permissions/catalog.ts';
import type { UserUpdate, UserView } from './schema.ts';

const definedOnly = <T extends object>(value: T): Partial<T> => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/** When a user deleted at `deletedAt` is removed for good: restorable until then (what the purge does, from the other end). */
export const purgeDate = (deletedAt: string, afterDays: number): string => new Date(Date.parse(deletedAt) + afterDays * 86_400_000).toISOString();

/** The user as answered: a deleted one also says when it is purged. */
export const withPurgeDate = <T extends { deletedAt: string | null }>(user: T, afterDays: number): T & { purgeAt?: string } =>
  user.deletedAt === null ? user : { ...user, purgeAt: purgeDate(user.deletedAt, afterDays) };

/** The state a PATCH produces; fields absent from it keep their values. */
export function applyUpdate(before: UserView, change: UserUpdate): UserView {
  const next: UserView = { ...before };
  for (const [key, value] of Object.entries(change) as [keyof UserUpdate, unknown][]) {
    if (value === undefined || ['password', 'security', 'integrations', 'sip', 'agent'].includes(key)) continue;
    (next as Record<string, unknown>)[key] = value;
  }
  if (change.password !== undefined) next.hasPassword = change.password !== null;
  next.security = { ...before.security, ...definedOnly(change.security ?? {}) };
  const { calDavToken, ...integrations } = change.integrations ?? {};
  next.integrations = {
    ...before.integrations,
    ...definedOnly(integrations),
    calDavTokenSet: calDavToken === undefined ? before.integrations.calDavTokenSet : calDavToken !== null,
  };
  return next;
}

/**
 * What a change touches that hands the account's power to whoever makes it: its credentials, its
 * security settings, the identifiers it signs in with, its activation. Its sessions and tokens too,
 * though they are ended through their own routes.
 */
export const accountControlFields = new Set([
  'login',
  'email',
  'password',
  'calDavToken',
  'integrations',
  'active',
  'security',
  'passwordChangeRequired',
  'domainAdmin',
]);

/** What a change touches that may take an administrator away from the domain. */
export const administrationFields = new Set(['roles', 'groups', 'domainAdmin', 'active']);

/** An account as far as taking charge of it goes: who it is and what it may do. */
export interface AccountHolder {
  id: string;
  platformAdmin: boolean;
  permissions: ReadonlySet<string>;
}

/**
 * Why a requester may not make a change to an account, or null when they may. Platform
 * administrators are changed only by platform administrators; taking charge of an account
 * (`controlling`: its credentials, security, e-mail, activation, sessions) needs every domain
 * permission it holds, so nobody gains through another account what they could not be granted.
 */
export function accountControlRefusal(
  requester: Omit<AccountHolder, 'id'> & { id: string | null },
  target: AccountHolder,
  controlling: boolean,
): { code: string; detail: string } | null {
  if (requester.platformAdmin) return null;
  if (target.platformAdmin && (controlling || requester.id !== target.id)) {
    return { code: 'user.platform_admin_protected', detail: 'Only a platform administrator can change a platform administrator' };
  }
  if (!controlling) return null;
  const missing = [...target.permissions].filter((p) => permissionCatalog[p as Permission]?.scope === 'domain' && !requester.permissions.has(p)).sort();
  if (!missing.length) return null;
  return {
    code: 'user.holds_more_permissions',
    detail: `This account holds permissions you do not (${missing.join(', ')}): its credentials, security settings, e-mail, activation and sessions are changed only by someone holding all of them`,
  };
}

/** The directory source (LDAP, Active Directory) that owns a synced user, with the fields it owns. */
export interface DirectoryOwner {
  name: string;
  ownedFields: string[];
}

const valueAt = (view: UserView, path: string): unknown => path.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | null)?.[key], view);

/**
 * A field its directory source owns may change only through a sync: each owned field a change
 * would give another value is refused, naming the source. A change that repeats a value (a
 * console sending the whole form) passes.
 */
export function ownedFieldProblems(owner: DirectoryOwner, before: UserView, after: UserView, change: UserUpdate) {
  const touched = owner.ownedFields.filter((path) => {
    if (path === 'password') return change.password !== undefined;
    if (path === 'sip.extension') return change.sip?.extension !== undefined && change.sip.extension !== before.sip?.extension;
    const was = valueAt(before, path);
    const now = path === 'integrations.oauthEmail' ? (change.integrations?.oauthEmail ?? was) : valueAt(after, path);
    return was !== now;
  });
  return touched.map((path) => ({
    path: path.replace('.', '/'),
    code: 'user.owned_by_directory',
    message: `Owned by the directory source ${JSON.stringify(owner.name)}: change it in the directory, the next sync brings it here`,
  }));
}
