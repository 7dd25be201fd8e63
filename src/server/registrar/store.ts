import type { Db } from '../db/schema.ts';
import { prepared } from '../db/prepared.ts';
import type { DirectoryCache } from '../directory-cache.ts';
import { sipSettingsOf } from '../sip-accounts/store.ts';
import type { DigestAlgorithm } from './challenge.ts';

/** What the registrar knows of a SIP account: who it is, where it may register from, its digests. */
export interface RegistrarAccount {
  userId: string;
  domainId: string;
  username: string;
  extension: string | null;
  realm: string;
  ha1_md5: string;
  ha1_sha256: string;
  ha1b_md5: string;
  ha1b_sha256: string;
  authAcl: string[];
}

const accountColumns = [
  's.user_id',
  's.username',
  's.username_key',
  's.extension',
  's.realm',
  's.ha1_md5',
  's.ha1_sha256',
  's.ha1b_md5',
  's.ha1b_sha256',
  's.auth_acl',
] as const;
type AccountRow = {
  user_id: string;
  username: string;
  username_key: string;
  extension: string | null;
  realm: string;
  ha1_md5: string;
  ha1_sha256: string;
  ha1b_md5: string;
  ha1b_sha256: string;
  auth_acl: string;
};

export const accountOfRow = (row: AccountRow, domainId: string): RegistrarAccount => ({
  userId: row.user_id,
  domainId,
  authAcl: JSON.parse(row.auth_acl) as string[],
  username: row.username,
  extension: row.extension,
  realm: row.realm,
  ha1_md5: row.ha1_md5,
  ha1_sha256: row.ha1_sha256,
  ha1b_md5: row.ha1b_md5,
  ha1b_sha256: row.ha1b_sha256,
});

export const accountsByUsername = (db: Db, domainId: string, keys: string[]): Promise<AccountRow[]> =>
  db
    .selectFrom('sip_accounts as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(accountColumns)
    .where('s.domain_id', '=', domainId)
    .where('s.username_key', 'in', keys)
    .where('u.active', '=', 1)
    .where('u.deleted_at', 'is', null)
    .execute();

/** Compiled once: every REGISTER of a phone not seen for a few seconds runs it. */
export const accountByUsername = prepared<{ domainId: string; usernameKey: string; active: number }, AccountRow>((db: Db, param) =>
  db
    .selectFrom('sip_accounts as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(accountColumns)
    .where('s.domain_id', '=', param('domainId'))
    .where('s.username_key', '=', param('usernameKey'))
    .where('u.active', '=', param('active'))
    .where('u.deleted_at', 'is', null),
);

/** The SIP account of a user, by id (a session's owner), if the user is active. */
export async function accountOfUser(db: Db, userId: string): Promise<RegistrarAccount | null> {
  const row = await db
    .selectFrom('sip_accounts as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select([...accountColumns, 's.domain_id'])
    .where('s.user_id', '=', userId)
    .where('u.active', '=', 1)
    .where('u.deleted_at', 'is', null)
    .executeTakeFirst();
  return row ? accountOfRow(row, row.domain_id) : null;
}

export interface RegistrarDomain {
  id: string;
  name: string;
  realm: string;
  algorithms: DigestAlgorithm[];
}

/**
 * The domain phones and engines name by a host: its realm, its name or one of its SIP host
 * aliases. All hosts are read at once and kept in the directory cache (emptied by any write).
 */
export async function sipDomainByHost(db: Db, cache: DirectoryCache, host: string): Promise<RegistrarDomain | null> {
  const hosts = await cache.sipHosts.get('all', async () => {
    const domains = await db.selectFrom('domains').select(['id', 'name', 'realm', 'sip_settings']).where('active', '=', 1).execute();
    const map = new Map<string, RegistrarDomain>();
    for (const d of domains) {
      const settings = sipSettingsOf(d);
      const domain = { id: d.id, name: d.name, realm: d.realm ?? d.name, algorithms: settings.digestAlgorithms };
      for (const alias of [domain.realm, d.name, ...settings.hostAliases]) if (!map.has(alias)) map.set(alias, domain);
    }
    return map;
  });
  return hosts?.get(host) ?? null;
}
