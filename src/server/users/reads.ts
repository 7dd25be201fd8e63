import type { Db } from '../db/schema.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { listedUserJson } from './answers.ts';
import { withPurgeDate } from './rules.ts';
import type { UserListQuery } from './schema.ts';
import { listUsers, type LiveNarrowing } from './store.ts';

/** The users' reads that run in reader threads on SQLite (threads/readers.ts): the list and its searches. */
export const reads = {
  /** A page of the list, its users already JSON (see answers.ts): a string crosses to the server's thread at the cost of a copy. */
  listUsers: async (
    db: Db,
    { domain, query, live, purgeAfterDays }: { domain: DomainRecord; query: UserListQuery; live: LiveNarrowing | undefined; purgeAfterDays: number },
  ) => {
    const page = await listUsers(db, domain, query, live);
    return { items: page.items.map((user) => listedUserJson(withPurgeDate(user, purgeAfterDays))), nextCursor: page.nextCursor };
  },
};

export type UserReads = typeof reads;
