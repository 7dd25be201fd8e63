/** The user fields a directory attribute can fill, as a user PATCH names them. */
export const mappedFields = ['login', 'email', 'firstName', 'lastName', 'workPhone', 'position', 'description', 'oauthEmail', 'extension'] as const;
export type MappedField = (typeof mappedFields)[number];
export type AttributeMapping = Record<MappedField, string | null>;

export const presetNames = ['activeDirectory', 'openLdap'] as const;
export type Preset = (typeof presetNames)[number];
export type Membership = 'memberOf' | 'groupOfNames';

/**
 * What each kind of server is read with by default. Active Directory names a user's groups on the
 * user (memberOf), its sign-in name is sAMAccountName, its UPN is what single sign-on matches
 * (the SSO e-mail) and ipPhone is the desk phone's extension. OpenLDAP's inetOrgPerson has a uid
 * and its groupOfNames entries name their members.
 */
export const presets: Record<Preset, { attributes: AttributeMapping; userFilter: string; membership: Membership }> = {
  activeDirectory: {
    attributes: {
      login: 'sAMAccountName',
      email: 'mail',
      firstName: 'givenName',
      lastName: 'sn',
      workPhone: 'telephoneNumber',
      position: 'title',
      description: 'department',
      oauthEmail: 'userPrincipalName',
      extension: 'ipPhone',
    },
    userFilter: '(&(objectCategory=person)(objectClass=user))',
    membership: 'memberOf',
  },
  openLdap: {
    attributes: {
      login: 'uid',
      email: 'mail',
      firstName: 'givenName',
      lastName: 'sn',
      workPhone: 'telephoneNumber',
      position: 'title',
      description: null,
      oauthEmail: null,
      extension: null,
    },
    userFilter: '(objectClass=inetOrgPerson)',
    membership: 'groupOfNames',
  },
};

/** Why a URL is not a directory server's, or null: ldap:// or ldaps://, a host, an optional port, nothing else. */
export function urlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'Not a URL';
  }
  if (url.protocol !== 'ldap:' && url.protocol !== 'ldaps:') return 'Only ldap:// and ldaps:// URLs';
  if (!url.hostname) return 'A host is needed';
  if (url.username || url.password) return 'No user name or password in the URL; give bindDn and bindPassword';
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash)
    return 'Only the scheme, host and port: the base DN and filter have fields of their own';
  return null;
}

/** StartTLS upgrades a plain connection; ldaps:// is encrypted from the start. */
export const startTlsProblem = (url: string, startTls: boolean) =>
  startTls && url.startsWith('ldaps:') ? 'StartTLS is for ldap:// URLs; an ldaps:// connection is encrypted already' : null;

/** The user fields the source owns: those it maps, the activation it decides, and the password it checks. */
export function ownedFields(attributes: AttributeMapping): string[] {
  const paths: Record<MappedField, string> = {
    login: 'login',
    email: 'email',
    firstName: 'firstName',
    lastName: 'lastName',
    workPhone: 'workPhone',
    position: 'position',
    description: 'description',
    oauthEmail: 'integrations.oauthEmail',
    extension: 'sip.extension',
  };
  return [...mappedFields.filter((field) => attributes[field] !== null).map((field) => paths[field]), 'active', 'password'];
}

/** The attributes a search asks for: the mapped ones, and memberOf when the user entry names its groups. */
export const searchedAttributes = (attributes: AttributeMapping, membership: Membership) => [
  ...new Set([...Object.values(attributes).filter((a): a is string => a !== null), ...(membership === 'memberOf' ? ['memberOf'] : [])]),
];

/** A DN as compared: case, and spaces around separators, do not matter. */
export const dnKey = (dn: string) =>
  dn
    .trim()
    .toLowerCase()
    .replace(/\s*([,=+])\s*/g, '$1');

/** A directory entry as read: its DN and its attributes, names lower-cased, values as text. */
export interface DirectoryEntry {
  dn: string;
  attributes: Map<string, string[]>;
}

/** What the directory says a user is, before the directory's rules check it. */
export interface DirectoryUser {
  dn: string;
  fields: Record<MappedField, string | null>;
  groupDns: string[];
}

export function directoryUserOf(entry: DirectoryEntry, attributes: AttributeMapping, membershipOf: (entry: DirectoryEntry) => string[]): DirectoryUser {
  const first = (attribute: string | null) => {
    const value = attribute === null ? undefined : entry.attributes.get(attribute.toLowerCase())?.[0]?.trim();
    return value ? value : null;
  };
  const fields = Object.fromEntries(mappedFields.map((field) => [field, first(attributes[field])])) as Record<MappedField, string | null>;
  return { dn: entry.dn, fields, groupDns: membershipOf(entry) };
}

/** A user of the source as the directory holds it now. */
export interface SyncedUser {
  id: string;
  dn: string;
  login: string;
  email: string | null;
  firstName: string;
  lastName: string;
  workPhone: string | null;
  position: string | null;
  description: string | null;
  oauthEmail: string | null;
  extension: string | null;
  hasSip: boolean;
  active: boolean;
  roles: string[];
  groups: string[];
}

/** The roles and groups the source decides: its defaults and what its mappings name. The others are left as they are. */
export interface Managed {
  defaultRoles: string[];
  mappings: { groupDn: string; groups: string[]; roles: string[] }[];
}

/** The roles and groups a directory user's group memberships give. */
export function grantsOf(user: DirectoryUser, managed: Managed) {
  const member = new Set(user.groupDns.map(dnKey));
  const roles = [...managed.defaultRoles];
  const groups: string[] = [];
  for (const mapping of managed.mappings) {
    if (!member.has(dnKey(mapping.groupDn))) continue;
    roles.push(...mapping.roles);
    groups.push(...mapping.groups);
  }
  return { roles: unique(roles), groups: unique(groups) };
}

/** A held list with the managed names replaced by the granted ones; null when that changes nothing. */
function relinked(held: string[], managed: string[], granted: string[]): string[] | null {
  const managedKeys = new Set(managed.map((n) => n.toLowerCase()));
  const next = unique([...held.filter((n) => !managedKeys.has(n.toLowerCase())), ...granted]);
  const same = next.length === held.length && sameNames(next, held);
  return same ? null : next;
}

const sameNames = (a: string[], b: string[]) => {
  const keys = new Set(a.map((n) => n.toLowerCase()));
  return b.every((n) => keys.has(n.toLowerCase()));
};

const unique = (names: string[]) => [...new Map(names.map((n) => [n.toLowerCase(), n])).values()];

/** A PATCH of a user as the store applies it; only what the directory changed. */
export interface SyncChange {
  login?: string;
  email?: string | null;
  firstName?: string;
  lastName?: string;
  workPhone?: string | null;
  position?: string | null;
  description?: string | null;
  active?: boolean;
  roles?: string[];
  groups?: string[];
  integrations?: { oauthEmail: string | null };
  sip?: { extension: string | null };
}

/**
 * What a sync changes of a user the source had already: each mapped field that differs, the
 * activation, and the managed roles and groups. An extension the directory no longer gives
 * leaves the phone as it is: removing an account is an administrator's decision.
 */
export function changeOf(before: SyncedUser, user: DirectoryUser, attributes: AttributeMapping, managed: Managed): SyncChange {
  const change: SyncChange = {};
  const f = user.fields;
  const mapped = (field: MappedField) => attributes[field] !== null;
  if (mapped('login') && f.login !== null && f.login !== before.login) change.login = f.login;
  if (mapped('email') && f.email?.toLowerCase() !== before.email?.toLowerCase()) change.email = f.email;
  if (mapped('firstName') && (f.firstName ?? '') !== before.firstName) change.firstName = f.firstName ?? '';
  if (mapped('lastName') && (f.lastName ?? '') !== before.lastName) change.lastName = f.lastName ?? '';
  for (const field of ['workPhone', 'position', 'description'] as const) if (mapped(field) && f[field] !== before[field]) change[field] = f[field];
  if (mapped('oauthEmail') && f.oauthEmail?.toLowerCase() !== before.oauthEmail?.toLowerCase()) change.integrations = { oauthEmail: f.oauthEmail };
  if (mapped('extension') && f.extension !== null && f.extension !== before.extension) change.sip = { extension: f.extension };
  if (!before.active) change.active = true;
  const granted = grantsOf(user, managed);
  const roles = relinked(before.roles, managedRoles(managed), granted.roles);
  const groups = relinked(before.groups, managedGroups(managed), granted.groups);
  if (roles) change.roles = roles;
  if (groups) change.groups = groups;
  return change;
}

const managedRoles = (managed: Managed) => [...managed.defaultRoles, ...managed.mappings.flatMap((m) => m.roles)];
const managedGroups = (managed: Managed) => managed.mappings.flatMap((m) => m.groups);

/** The fields a change names, as the report lists them. */
export const changedFields = (change: SyncChange) =>
  Object.entries(change).flatMap(([key, value]) =>
    key === 'integrations' ? ['integrations.oauthEmail'] : key === 'sip' ? ['sip.extension'] : value === undefined ? [] : [key],
  );

/** What a sync does: each directory user matched to a user of the source (by DN, else by login), or new; the rest are gone. */
export interface SyncPlan {
  creates: DirectoryUser[];
  changes: { before: SyncedUser; user: DirectoryUser; change: SyncChange }[];
  unchanged: number;
  gone: SyncedUser[];
  problems: { dn: string; code: string; message: string }[];
}

export function planSync(users: DirectoryUser[], held: SyncedUser[], attributes: AttributeMapping, managed: Managed): SyncPlan {
  const byDn = new Map(held.map((u) => [dnKey(u.dn), u]));
  const byLogin = new Map(held.map((u) => [u.login.toLowerCase(), u]));
  const plan: SyncPlan = { creates: [], changes: [], unchanged: 0, gone: [], problems: [] };
  const seen = new Set<string>();
  const logins = new Map<string, string>();
  for (const user of users) {
    const login = user.fields.login;
    if (login === null) {
      plan.problems.push({ dn: user.dn, code: 'directory_source.no_login', message: `The entry has no ${attributes.login ?? 'login'} attribute` });
      continue;
    }
    const earlier = logins.get(login.toLowerCase());
    if (earlier !== undefined) {
      plan.problems.push({ dn: user.dn, code: 'directory_source.same_login', message: `The same login as ${earlier}` });
      continue;
    }
    logins.set(login.toLowerCase(), user.dn);
    const before = byDn.get(dnKey(user.dn)) ?? byLogin.get(login.toLowerCase());
    if (!before || seen.has(before.id)) {
      plan.creates.push(user);
      continue;
    }
    seen.add(before.id);
    const change = changeOf(before, user, attributes, managed);
    if (Object.keys(change).length > 0 || dnKey(before.dn) !== dnKey(user.dn)) plan.changes.push({ before, user, change });
    else plan.unchanged += 1;
  }
  plan.gone = held.filter((u) => !seen.has(u.id) && u.active);
  return plan;
}

/**
 * A search that found nobody while the source holds active users is far likelier a wrong base
 * DN or filter than everyone leaving: refused rather than deactivating them all.
 */
export const emptyDirectoryProblem = (entries: number, held: SyncedUser[]) =>
  entries === 0 && held.some((u) => u.active)
    ? 'The directory search found no users while the source has active ones; check the base DN and filter (nothing was changed)'
    : null;
