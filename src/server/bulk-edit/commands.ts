import type { AuditActor } from '../audit/store.ts';
import { numberedAtTheEnd } from '../changes/store.ts';
import { uniqueViolationAs } from '../db/errors.ts';
import type { Db } from '../db/schema.ts';
import { conflict, invalid, Problem } from '../http/problem.ts';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import { keepingAnAdministrator } from '../roles/administrators.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { assertMayChangeAccounts, prepareChange, writeChange, type PreparedChange, type Requester } from '../users/commands.ts';
import type { Safeguards } from '../users/safeguards.ts';
import type { UserView } from '../users/schema.ts';
import { usersByIds } from '../users/store.ts';
import { prepareLicenseEdit, writeLicenseEdit } from './license-commands.ts';
import { changeFor } from './rules.ts';
import type { BulkEdit, BulkTarget } from './schema.ts';
import { setUsersDeleted, targetUsers } from './store.ts';

/**
 * Deletes (restorably) the users targeted, when they are as many as the administrator confirmed;
 * never the actor, never the domain's last administrator. All or nothing.
 */
export async function deleteUsersInBulk(db: Db, actor: Requester, domain: DomainRecord, target: BulkTarget, confirm: number) {
  const bulkId = timeOrderedId();
  const users = await db.transaction().execute(async (trx) => {
    const found = await targetUsers(trx, domain.id, target, false);
    if (found.length !== confirm) {
      throw conflict('bulk.count_mismatch', `${found.length} users match now, not ${confirm}: nothing was deleted; look again and confirm ${found.length}`, [
        { path: 'confirm', code: 'bulk.count_mismatch', message: `${found.length} users match` },
      ]);
    }
    if (found.some((u) => u.id === actor.id)) throw conflict('bulk.includes_self', 'You cannot delete your own account in bulk');
    await assertMayChangeAccounts(
      trx,
      actor,
      domain.id,
      found.map((u) => u.id),
      true,
    );
    await keepingAnAdministrator(trx, domain.id, () => setUsersDeleted(trx, domain.id, found, true, actor, bulkId));
    return found;
  });
  return { bulkId, count: users.length, users };
}

/** Restores the deleted users targeted. */
export async function restoreUsersInBulk(db: Db, actor: AuditActor, domain: DomainRecord, target: BulkTarget) {
  const bulkId = timeOrderedId();
  const users = await db.transaction().execute(async (trx) => {
    const found = await targetUsers(trx, domain.id, target, true);
    await setUsersDeleted(trx, domain.id, found, false, actor, bulkId);
    return found;
  });
  return { bulkId, count: users.length, users };
}

/**
 * Edits the users targeted, each change checked like a PATCH: all or nothing, every problem
 * listed; a preview answers who would change and writes nothing.
 */
export async function editUsersInBulk(db: Db, actor: Requester, domain: DomainRecord, edit: BulkEdit, guards: Safeguards) {
  const { preview, add, remove, set, ...target } = edit;
  const users = await usersByIds(
    db,
    domain,
    (await targetUsers(db, domain.id, target, false)).map((u) => u.id),
  );
  const changes = users.map((user) => ({ user, ...changeFor(user, { add, remove, set }) }));
  const seats = await prepareLicenseEdit(db, domain, users, add.licenses, remove.licenses);
  const problems = [...changes.flatMap((c) => c.problems), ...seats.problems];
  if (problems.length) throw invalid(problems.slice(0, 200));
  const prepared: PreparedChange[] = [];
  for (const { user, change } of changes) prepared.push(await prepareChange(db, actor, domain, user, change, guards).catch(aboutUser(user)));
  const changed = prepared.filter((p) => p.changed);
  const summary = users.filter((u) => seats.userIds.has(u.id) || changed.some((p) => p.before.id === u.id)).map((u) => ({ id: u.id, login: u.login }));
  if (preview) return { preview: true, bulkId: null, count: summary.length, users: summary };
  const bulkId = timeOrderedId();
  await db
    .transaction()
    .execute((trx) =>
      keepingAnAdministrator(trx, domain.id, () =>
        numberedAtTheEnd(trx, async () => {
          for (const change of changed) await writeChange(trx, actor, domain, change, { bulkOperation: { from: null, to: bulkId } });
          // After the changes, whose writes check the versions they read.
          await writeLicenseEdit(trx, actor, domain, seats, bulkId);
        }),
      ),
    )
    .catch(uniqueViolationAs(() => conflict('bulk.conflict', 'Another change took a name or number these users needed a moment ago; nothing was changed')));
  return { preview: false, bulkId, count: summary.length, users: summary };
}

/** A problem with one user of a bulk edit, said with the user's login and id in it. */
const aboutUser =
  (user: UserView) =>
  (error: unknown): never => {
    if (!(error instanceof Problem)) throw error;
    throw new Problem(
      error.status,
      error.code,
      `${user.login}: ${error.detail}`,
      (error.errors ?? []).map((e) => ({ ...e, path: `users/${user.id}/${e.path}` })),
    );
  };
