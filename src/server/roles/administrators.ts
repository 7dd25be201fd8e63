import type { Db } from '../db/schema.ts';
import { conflict } from '../http/problem.ts';
import { ADMIN_ROLE } from './builtin.ts';
import { nameKey } from '../identifiers/normal-form.ts';

/**
 * Administrators of a domain: active, not deleted users who are domain administrators
 * or hold the `admin` role, directly or through a group.
 */
export async function countAdministrators(db: Db, domainId: string): Promise<number> {
  const row = await db
    .selectFrom('users as u')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('u.domain_id', '=', domainId)
    .where('u.active', '=', 1)
    .where('u.deleted_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('u.domain_admin', '=', 1),
        eb.exists(
          eb
            .selectFrom('user_roles as ur')
            .innerJoin('roles as r', 'r.id', 'ur.role_id')
            .whereRef('ur.user_id', '=', 'u.id')
            .where('r.name_key', '=', nameKey(ADMIN_ROLE))
            .where('r.builtin', '=', 1)
            .select(eb.lit(1).as('one')),
        ),
        eb.exists(
          eb
            .selectFrom('user_groups as ug')
            .innerJoin('group_roles as gr', 'gr.group_id', 'ug.group_id')
            .innerJoin('roles as r', 'r.id', 'gr.role_id')
            .whereRef('ug.user_id', '=', 'u.id')
            .where('r.name_key', '=', nameKey(ADMIN_ROLE))
            .where('r.builtin', '=', 1)
            .select(eb.lit(1).as('one')),
        ),
      ]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The rule itself: a domain that had an administrator keeps at least one. */
export function leavesDomainUnadministered(before: number, after: number): boolean {
  return before > 0 && after === 0;
}

/**
 * Runs a change inside the caller's transaction and refuses it (rolling it back) when it
 * would leave the domain without an administrator.
 */
export async function keepingAnAdministrator<T>(trx: Db, domainId: string, change: () => Promise<T>): Promise<T> {
  const before = await countAdministrators(trx, domainId);
  const result = await change();
  if (leavesDomainUnadministered(before, await countAdministrators(trx, domainId))) {
    throw conflict('domain.last_administrator', 'This change would leave the domain without an administrator; make someone else an administrator first');
  }
  return result;
}
