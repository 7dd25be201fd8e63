import type { Db } from '../db/schema.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import type { UserListQuery } from './schema.ts';
import { listUsers, type LiveNarrowing } from './store.ts';

/** The users' reads that run in reader threads on SQLite (threads/readers.ts): the list and its searches. */
export const reads = {
  listUsers: (db: Db, { domain, query, live }: { domain: DomainRecord; query: UserListQuery; live: LiveNarrowing | undefined }) =>
    listUsers(db, domain, query, live),
};

export type UserReads = typeof reads;
