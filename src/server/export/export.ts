import type { Db } from '../db/schema.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import type { UserListQuery } from '../users/schema.ts';
import { listUsers } from '../users/store.ts';
import { neutralised, userColumns } from '../csv/columns.ts';

/** The export's rows, header first, read a page of 500 users at a time: for the API and the CLI. */
export async function* exportRows(db: Db, domain: DomainRecord, query: Omit<UserListQuery, 'limit' | 'cursor'>): AsyncGenerator<string[]> {
  yield userColumns.map((c) => c.name);
  let cursor: string | undefined;
  do {
    const page = await listUsers(db, domain, { ...query, limit: 500, cursor });
    for (const user of page.items) yield userColumns.map((c) => neutralised(c.value(user)));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
