import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CompiledQuery, sql } from 'kysely';
import { forEachEngine } from '../../../test/harness.ts';
import { parseFilter } from './filter.ts';
import { usersQuery } from './store.ts';
import { seedUsers } from '../../../bench/seed.ts';
import { findDomain } from '../tenancy/domain-record.ts';

/** The plan the engine picks for a query, as one text; the planner is told to avoid scanning the table, as it would with 100,000 users. */
async function plan(db: Parameters<typeof usersQuery>[0], engine: string, domainId: string, filter: string): Promise<string> {
  const compiled = usersQuery(db, domainId, parseFilter(filter)).compile();
  if (engine === 'sqlite') {
    const { rows } = await db.executeQuery(CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]));
    return JSON.stringify(rows);
  }
  return db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    const { rows } = await trx.executeQuery(CompiledQuery.raw(`explain ${compiled.sql}`, [...compiled.parameters]));
    return JSON.stringify(rows);
  });
}

forEachEngine('SCIM user filters', (h) => {
  it('find a user by userName, externalId or e-mail through an index', async () => {
    const db = h().storage.db;
    const domain = await findDomain(db, 'default');
    if (!domain) throw new Error('no default domain');
    // Enough users for the planners' statistics to tell a unique key from the domain's other indexes.
    await seedUsers(db, domain.id, 2000);
    if (h().engine === 'postgres') await sql`analyze users`.execute(db);
    const planOf = (filter: string) => plan(db, h().engine, domain.id, filter);
    assert.match(await planOf('userName eq "Anna.Nowak@contoso.com"'), /users__domain_id__login_key/);
    assert.match(await planOf('externalId eq "00ujl29u0le5T6Aj10h7"'), /user_external_ids__domain_id__system__external_id/);
    assert.match(await planOf('emails.value eq "anna@contoso.com"'), /users__domain_id__email_key/);
  });
});
