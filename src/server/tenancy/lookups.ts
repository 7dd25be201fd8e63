import type { Db } from '../db/schema.ts';

export interface CatalogRow {
  id: string;
  name: string;
  name_key: string;
}

export interface NumberRow {
  id: string;
  value: string;
  voice: number;
  sms: number;
}

export interface LicenseProduct {
  id: string;
  name: string;
  capability: string | null;
  expires_at: string | null;
}

export type CatalogTable = 'roles' | 'groups' | 'tags' | 'skills';

/**
 * What checking a user needs to know of the rest of its domain. Read straight from the database
 * for one user at a time; the CSV import answers the same questions from what it fetched for a
 * whole chunk of rows, so the same rules check both without a query per row.
 */
export interface Lookups {
  catalog(table: CatalogTable, keys: string[]): Promise<CatalogRow[]>;
  /** The permission lists of these roles and of the roles of these groups. */
  permissionsOf(roleIds: string[], groupIds: string[]): Promise<string[][]>;
  /** Whether another user (not exceptId) has this login or e-mail, compared case-insensitively. */
  userHolding(column: 'login_key' | 'email_key', key: string, exceptId: string | null): Promise<boolean>;
  numbers(values: string[]): Promise<NumberRow[]>;
  /** Extensions among `numbers` held by someone or something other than the user. */
  extensionsHeld(numbers: string[], userId: string | null): Promise<{ number: string; kind: string }[]>;
  usernameHeld(username: string, userId: string | null): Promise<boolean>;
  hasFreeExtension(range: { from: string; to: string }): Promise<boolean>;
  /** The lowest free extension, taken inside the writing transaction with the domain locked. */
  takeFreeExtension(range: { from: string; to: string }): Promise<string | undefined>;
  licenseProducts(capabilities: string[]): Promise<LicenseProduct[]>;
  licensesHeld(userId: string): Promise<string[]>;
  /** Which of these external ids (`{ system, id }`) users other than exceptId hold. */
  externalIdsHeld(list: readonly { system: string; id: string }[], exceptId: string | null): Promise<{ system: string; id: string }[]>;
}

/** The rows of a domain's catalog (roles, groups, tags, skills) with these name keys. */
export async function catalogRows(db: Db, domainId: string, table: CatalogTable, keys: string[]): Promise<CatalogRow[]> {
  return keys.length
    ? db
        .selectFrom(table)
        .select(['id', 'name', 'name_key'])
        .where('domain_id', '=', domainId)
        .where('name_key', 'in', [...new Set(keys)])
        .execute()
    : [];
}

/**
 * Lookups that remember the domain's catalogs and role permissions for as long as they live (one
 * batch of writes, such as a SCIM Bulk request's creations): what every user of the batch asks
 * again. Who holds a login, an extension or a licence is still asked each time.
 */
export function rememberingCatalogs(lookups: Lookups): Lookups {
  const catalogs = new Map<string, Promise<CatalogRow[]>>();
  const permissions = new Map<string, Promise<string[][]>>();
  const remembered = <T>(map: Map<string, Promise<T>>, key: string, ask: () => Promise<T>): Promise<T> => {
    const known = map.get(key);
    if (known) return known;
    const asked = ask();
    map.set(key, asked);
    return asked;
  };
  return {
    ...lookups,
    catalog: (table, keys) => remembered(catalogs, JSON.stringify([table, [...keys].sort()]), () => lookups.catalog(table, keys)),
    permissionsOf: (roleIds, groupIds) => remembered(permissions, JSON.stringify([roleIds, groupIds]), () => lookups.permissionsOf(roleIds, groupIds)),
  };
}
