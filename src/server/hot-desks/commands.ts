import { diff } from '../audit/rules.ts';
import { recordAudit, type AuditActor } from '../audit/store.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { Db } from '../db/schema.ts';
import { conflict } from '../http/problem.ts';
import { signOutOfDesk } from '../sip-accounts/store.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { touchUser } from '../users/store.ts';
import type { UserView } from '../users/schema.ts';
import { addDesk, removeDesk, signInToDesk } from './store.ts';

type Actor = AuditActor & { id: string; login: string };
const by = (actor: Actor, user: UserView) => (actor.id === user.id ? 'self' : actor.login);

/** Signs a hot-desking user in to the desk wanted, or the lowest free one; answers the desk. */
export async function signIn(db: Db, actor: Actor, domain: DomainRecord, user: UserView, wanted: string | undefined): Promise<string> {
  return db
    .transaction()
    .execute(async (trx) => {
      const desk = await signInToDesk(trx, domain.id, user.id, wanted, by(actor, user));
      await touchUser(trx, user.id);
      await recordAudit(trx, {
        domainId: domain.id,
        actor,
        action: 'desk.signed_in',
        target: { type: 'user', id: user.id, name: user.login },
        changes: { desk: { from: user.sip?.desk ?? null, to: desk } },
      });
      return desk;
    })
    .catch((error: unknown) => {
      if (isUniqueViolation(error)) throw conflict('desk.occupied', 'Somebody signed in to that desk a moment ago');
      throw error;
    });
}

export async function signOut(db: Db, actor: Actor, domain: DomainRecord, user: UserView): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const desk = await signOutOfDesk(trx, user.id, by(actor, user));
    if (!desk) throw conflict('desk.not_signed_in', `${user.login} is not signed in to a desk`);
    await touchUser(trx, user.id);
    await recordAudit(trx, {
      domainId: domain.id,
      actor,
      action: 'desk.signed_out',
      target: { type: 'user', id: user.id, name: user.login },
      changes: { desk: { from: desk, to: null } },
    });
  });
}

export async function createDesk(db: Db, actor: AuditActor, domain: DomainRecord, extension: string, description: string | null): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await addDesk(trx, domain.id, extension, description);
    await recordAudit(trx, {
      domainId: domain.id,
      actor,
      action: 'desk.created',
      target: { type: 'desk', id: extension, name: extension },
      changes: diff(null, { extension, description }),
    });
  });
}

export async function deleteDesk(db: Db, actor: AuditActor, domain: DomainRecord, extension: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await removeDesk(trx, domain.id, extension);
    await recordAudit(trx, { domainId: domain.id, actor, action: 'desk.deleted', target: { type: 'desk', id: extension, name: extension }, changes: {} });
  });
}
