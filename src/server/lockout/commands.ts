import { recordAudit, type AuditActor } from '../audit/store.ts';
import type { Db } from '../db/schema.ts';
import { settingsOf } from '../settings/commands.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { accountKey } from './guard.ts';
import { bruteForceSettings, defaultBruteForceSettings } from './schema.ts';
import { clearFailures } from './store.ts';

/** The domain's brute-force protection: how many failed sign-ins lock an account, and for how long. */
export const bruteForce = settingsOf({
  column: 'brute_force',
  schema: bruteForceSettings,
  defaults: defaultBruteForceSettings,
  action: 'brute_force',
  onRecord: false,
});

/** Lifts a lockout of the account; audited only when there was one. */
export async function unlockAccount(db: Db, actor: AuditActor, domain: DomainRecord, user: { id: string; login: string }): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (await clearFailures(trx, accountKey(user.id))) {
      await recordAudit(trx, { domainId: domain.id, actor, action: 'user.unlocked', target: { type: 'user', id: user.id, name: user.login }, changes: {} });
    }
  });
}
