import { permissionCatalog, type Permission } from '../permissions/catalog.ts';
import type { UserUpdate, UserView } from './schema.ts';

/**
 * The words a user is found by: login, e-mail (whole, its domain, and split at @ . _ + -), names.
 * The list's `q` matches a user when each of its words starts one of these.
 */
export function searchTerms(user: {
  login: string;
  email: string | null;
  firstName: string;
  lastName: string;
  sip?: { extension: string | null; virtualExtension: string | null } | null;
}): string[] {
  const terms = new Set<string>();
  const add = (text: string | null, split: RegExp) => {
    if (!text) return;
    const lower = text.toLowerCase();
    terms.add(lower);
    for (const part of lower.split(split)) if (part) terms.add(part);
  };
  add(user.login, /[._-]/);
  add(user.email, /[@._+-]/);
  if (user.email?.includes('@')) terms.add(user.email.slice(user.email.lastIndexOf('@') + 1).toLowerCase());
  add(user.firstName, /[\s-]+/);
  add(user.lastName, /[\s-]+/);
  add(user.sip?.extension ?? null, /$^/);
  add(user.sip?.virtualExtension ?? null, /$^/);
  return withoutRedundant([...terms].filter((t) => t.length <= 254));
}

/**
 * A term that starts another term of the same user adds no match (whatever starts it starts the
 * longer one too), only index rows and duplicate hits: `anna` goes when `anna.nowak` is there.
 */
function withoutRedundant(terms: string[]): string[] {
  const sorted = terms.sort();
  return sorted.filter((term, i) => !(sorted[i + 1]?.startsWith(term) ?? false));
}

const definedOnly = <T extends object>(value: T): Partial<T> => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

export const queryWords = (q: string) => [...new Set(q.toLowerCase().split(/\s+/).filter(Boolean))].slice(0, 5);

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
