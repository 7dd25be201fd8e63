import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { Db } from '../db/schema.ts';
import { conflict, notFound } from '../http/problem.ts';
import { signOutOfDesk } from '../sip-accounts/store.ts';

/** The domain's hot desks, each with whoever is signed in to it. */
export async function listDesks(db: Db, domainId: string) {
  const rows = await db
    .selectFrom('extensions as e')
    .leftJoin('desk_sign_ins as s', (join) =>
      join.onRef('s.domain_id', '=', 'e.domain_id').onRef('s.extension', '=', 'e.number').on('s.signed_out_at', 'is', null),
    )
    .leftJoin('users as u', 'u.id', 's.user_id')
    .select(['e.number', 'e.description', 'u.id as user_id', 'u.login', 's.signed_in_at'])
    .where('e.domain_id', '=', domainId)
    .where('e.kind', '=', 'desk')
    .orderBy('e.width')
    .orderBy('e.value')
    .execute();
  return rows.map((r) => ({
    extension: r.number,
    description: r.description,
    occupiedBy: r.user_id && r.login && r.signed_in_at ? { id: r.user_id, login: r.login, since: r.signed_in_at } : null,
  }));
}

export async function addDesk(db: Db, domainId: string, extension: string, description: string | null): Promise<void> {
  await db
    .insertInto('extensions')
    .values({
      domain_id: domainId,
      number: extension,
      width: extension.length,
      value: extension,
      kind: 'desk',
      user_id: null,
      description,
      created_at: new Date().toISOString(),
    })
    .execute()
    .catch((error: unknown) => {
      if (isUniqueViolation(error))
        throw conflict('sip.extension_taken', `${extension} is already an extension in this domain`, [
          { path: 'extension', code: 'sip.extension_taken', message: 'Already in use' },
        ]);
      throw error;
    });
}

export async function removeDesk(db: Db, domainId: string, extension: string): Promise<void> {
  const occupied = await db
    .selectFrom('desk_sign_ins')
    .select('user_id')
    .where('domain_id', '=', domainId)
    .where('extension', '=', extension)
    .where('signed_out_at', 'is', null)
    .executeTakeFirst();
  if (occupied) throw conflict('desk.occupied', `Somebody is signed in to ${extension}; sign them out first`);
  const deleted = await db
    .deleteFrom('extensions')
    .where('domain_id', '=', domainId)
    .where('number', '=', extension)
    .where('kind', '=', 'desk')
    .executeTakeFirst();
  if (Number(deleted.numDeletedRows) !== 1) throw notFound(`Hot desk ${extension}`);
}

/**
 * Seats the user at a desk: the one asked for, or the lowest free one. A user moving desks leaves
 * the old one. Two users racing for one desk: the unique index lets one in and the other hears 409.
 */
export async function signInToDesk(db: Db, domainId: string, userId: string, wanted: string | undefined, by: string): Promise<string> {
  let desk = wanted;
  if (desk !== undefined) {
    const exists = await db
      .selectFrom('extensions')
      .select('number')
      .where('domain_id', '=', domainId)
      .where('number', '=', desk)
      .where('kind', '=', 'desk')
      .executeTakeFirst();
    if (!exists) throw notFound(`Hot desk ${desk}`);
  } else {
    const free = await db
      .selectFrom('extensions as e')
      .select('e.number')
      .where('e.domain_id', '=', domainId)
      .where('e.kind', '=', 'desk')
      .where(({ not, exists, selectFrom, lit }) =>
        not(
          exists(
            selectFrom('desk_sign_ins as s')
              .whereRef('s.domain_id', '=', 'e.domain_id')
              .whereRef('s.extension', '=', 'e.number')
              .where('s.signed_out_at', 'is', null)
              .select(lit(1).as('one')),
          ),
        ),
      )
      .orderBy('e.width')
      .orderBy('e.value')
      .limit(1)
      .executeTakeFirst();
    if (!free) throw conflict('desk.none_free', 'Every hot desk of the domain is taken');
    desk = free.number;
  }
  await signOutOfDesk(db, userId, by);
  await db
    .insertInto('desk_sign_ins')
    .values({
      id: timeOrderedId(),
      domain_id: domainId,
      extension: desk,
      user_id: userId,
      signed_in_at: new Date().toISOString(),
      signed_out_at: null,
      signed_out_by: null,
    })
    .execute();
  return desk;
}

export async function deskHistory(db: Db, userId: string, before: string | undefined, limit: number) {
  let query = db
    .selectFrom('desk_sign_ins')
    .select(['id', 'extension', 'signed_in_at', 'signed_out_at', 'signed_out_by'])
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (before) query = query.where('id', '<', before);
  return query.execute();
}
