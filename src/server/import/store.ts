import { PostgresAdapter, sql } from 'kysely';
import type { Db } from '../db/schema.ts';
import { oneOf } from '../db/set-wise.ts';

/** What the rows of a chunk may collide with: logins, e-mails, extensions and SIP usernames. */
export interface ChunkKeys {
  logins: string[];
  emails: string[];
  numbers: string[];
  usernames: string[];
}

/**
 * The logins, e-mails, numbers and SIP usernames of a chunk's rows the domain holds already. Each
 * list is one parameter (oneOf): a chunk's thousand keys are neither compiled into the SQL nor
 * give it a new text, and so a new prepared statement, whenever their count changes.
 */
export async function chunkCollisions(trx: Db, domainId: string, keys: ChunkKeys) {
  const within = async <T>(values: string[], query: (chunk: string[]) => Promise<T[]>) => (values.length ? query([...new Set(values)]) : []);
  // Asked together: where reads go ahead of queued writes (db/remote.ts) they are answered at one
  // pause of the writer; on one connection they run one after the other as before.
  const [logins, emails, numbers, usernames] = await Promise.all([
    within(keys.logins, (list) =>
      trx
        .selectFrom('users')
        .select('login_key')
        .where('domain_id', '=', domainId)
        .where(oneOf(trx, 'login_key', list))
        .execute(),
    ),
    within(keys.emails, (list) =>
      trx
        .selectFrom('users')
        .select('email_key')
        .where('domain_id', '=', domainId)
        .where(oneOf(trx, 'email_key', list))
        .execute(),
    ),
    within(keys.numbers, (list) =>
      trx
        .selectFrom('extensions')
        .select(['number', 'kind'])
        .where('domain_id', '=', domainId)
        .where(oneOf(trx, 'number', list))
        .execute(),
    ),
    within(keys.usernames, (list) =>
      trx
        .selectFrom('sip_accounts')
        .select('username_key')
        .where('domain_id', '=', domainId)
        .where(oneOf(trx, 'username_key', list))
        .execute(),
    ),
  ]);
  return { logins, emails, numbers, usernames };
}

/**
 * PostgreSQL's statistics refreshed within the import's transaction (ANALYZE sees its own rows),
 * so the chunks' look-ups keep their index plans; nothing on SQLite. Only the columns those
 * look-ups select by (chunkCollisions, userIdByLogin): the tables' row counts are refreshed all
 * the same, at a third of the time of every column's statistics (the import and a cancel wait for it).
 */
export async function refreshStatistics(trx: Db): Promise<void> {
  if (!(trx.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`analyze users (domain_id, login_key, email_key), extensions (domain_id, number), sip_accounts (domain_id, username_key)`.execute(trx);
}

/** The id of the domain's user with this login key (which the caller knows exists). */
export async function userIdByLogin(trx: Db, domainId: string, loginKey: string): Promise<string> {
  return (await trx.selectFrom('users').select('id').where('domain_id', '=', domainId).where('login_key', '=', loginKey).executeTakeFirstOrThrow()).id;
}

/** The domain's licenses, with their seats. */
export async function domainLicenses(trx: Db, domainId: string) {
  return trx.selectFrom('licenses').select(['id', 'name', 'name_key', 'seats', 'used', 'expires_at']).where('domain_id', '=', domainId).execute();
}
