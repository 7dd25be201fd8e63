import { recordAudit, type AuditRecord } from '../audit/store.ts';
import type { Db } from '../db/schema.ts';
import type { Actor } from '../http/access.ts';
import { notFound } from '../http/problem.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { accountInCharge } from '../users/commands.ts';
import { findUserRow } from '../users/store.ts';
import { scopeRefused } from './rules.ts';
import type { TokenCreate } from './schema.ts';
import { createToken, listTokens, revokeToken } from './store.ts';

/** An entry about the actor's own tokens: their account is the target, the token named among the changes. */
function auditOwn(db: Db, actor: Actor, action: string, name: string, changes: AuditRecord['changes']) {
  return recordAudit(db, {
    domainId: actor.domainId,
    actor,
    action,
    target: { type: 'user', id: actor.id, name: actor.login },
    changes: { ...changes, token: { from: null, to: name } },
  });
}

/** A new token of the actor's, scoped to some of their permissions; answers it with the secret, shown once. */
export async function createOwnToken(db: Db, actor: Actor, input: TokenCreate) {
  const refused = scopeRefused(actor, input.permissions);
  if (refused) throw refused;
  return db.transaction().execute(async (trx) => {
    const token = await createToken(trx, actor.id, input);
    await auditOwn(trx, actor, 'token.created', token.name, {
      permissions: { from: null, to: token.permissions },
      expiresAt: { from: null, to: token.expiresAt },
    });
    return token;
  });
}

export async function revokeOwnToken(db: Db, actor: Actor, tokenId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const revoked = await revokeToken(trx, actor.id, tokenId);
    if (!revoked) throw notFound('Token');
    await auditOwn(trx, actor, 'token.revoked', revoked.name, {});
  });
}

/** The tokens of a user of the domain (deleted users' among them). */
export async function userTokens(db: Db, domainId: string, userId: string) {
  const user = await findUserRow(db, domainId, userId);
  if (!user) throw notFound('User');
  return listTokens(db, user.id);
}

/** An administrator revokes a user's token: only of an account they are in charge of. */
export async function revokeUserToken(db: Db, actor: Actor, domain: DomainRecord, userId: string, tokenId: string): Promise<void> {
  const user = await accountInCharge(db, actor, domain.id, userId);
  await db.transaction().execute(async (trx) => {
    const revoked = await revokeToken(trx, user.id, tokenId);
    if (!revoked) throw notFound('Token');
    await recordAudit(trx, {
      domainId: domain.id,
      actor,
      action: 'token.revoked',
      target: { type: 'user', id: user.id, name: user.login },
      changes: { token: { from: revoked.name, to: null } },
    });
  });
}
