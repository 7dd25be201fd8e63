import { recordSignInAudit } from '../audit/store.ts';
import { writingSignInFileOnly } from '../db/sign-in-file.ts';
import type { Db } from '../db/schema.ts';
import type { Actor } from '../http/access.ts';
import { notFound } from '../http/problem.ts';
import { closeUserSession, closeUserSessions, listSessions } from '../sessions/store.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { accountInCharge } from '../users/commands.ts';
import { findUserRow } from '../users/store.ts';

/** The open sessions of a live user of the domain, the one asking marked current. */
export async function userSessions(db: Db, actor: Actor, domainId: string, userId: string) {
  const user = await findUserRow(db, domainId, userId);
  if (!user || user.deleted_at) throw notFound('User');
  return (await listSessions(db, user.id)).map((s) => ({ ...s, current: s.id === actor.sessionId }));
}

/** Ends one of the actor's own sessions. */
export async function endOwnSession(db: Db, actor: Actor, sessionId: string): Promise<void> {
  if (!(await closeUserSession(db, actor.id, sessionId))) throw notFound('Session');
}

/** Signs a user out everywhere (forced logout). */
export async function signUserOut(db: Db, actor: Actor, domain: DomainRecord, userId: string): Promise<void> {
  const user = await accountInCharge(db, actor, domain.id, userId);
  await writingSignInFileOnly(() =>
    db.transaction().execute(async (trx) => {
      await closeUserSessions(trx, user.id);
      await recordSignInAudit(trx, {
        domainId: domain.id,
        actor,
        action: 'user.signed_out',
        target: { type: 'user', id: user.id, name: user.login },
        changes: {},
      });
    }),
  );
}

/** Ends one session of a user. */
export async function endUserSession(db: Db, actor: Actor, domain: DomainRecord, userId: string, sessionId: string): Promise<void> {
  const user = await accountInCharge(db, actor, domain.id, userId);
  await writingSignInFileOnly(() =>
    db.transaction().execute(async (trx) => {
      if (!(await closeUserSession(trx, user.id, sessionId))) throw notFound('Session');
      await recordSignInAudit(trx, {
        domainId: domain.id,
        actor,
        action: 'session.ended',
        target: { type: 'user', id: user.id, name: user.login },
        changes: {},
      });
    }),
  );
}
