import type { Db } from '../db/schema.ts';
import { lastAdministrator, leavesDomainUnadministered } from './rules.ts';
import { hasAdministrator } from './store.ts';

/**
 * Runs a change inside the caller's transaction and refuses it (rolling it back) when it
 * would leave the domain without an administrator.
 */
export async function keepingAnAdministrator<T>(trx: Db, domainId: string, change: () => Promise<T>): Promise<T> {
  const before = await hasAdministrator(trx, domainId);
  const result = await change();
  if (leavesDomainUnadministered(before, await hasAdministrator(trx, domainId))) throw lastAdministrator();
  return result;
}
