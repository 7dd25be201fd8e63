import type { Db } from '../db/schema.ts';
import { recordAudit, systemActor } from '../audit/store.ts';
import { purgeDeleted } from './store.ts';

/** Deleted users can be restored for `afterDays`; then they are removed for good, in one transaction. */
export async function purgeDeletedUsers(db: Db, afterDays: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - afterDays * 86_400_000).toISOString();
  return db.transaction().execute(async (trx) => {
    const purged = await purgeDeleted(trx, cutoff);
    await recordAudit(
      trx,
      ...purged.map((u) => ({
        domainId: u.domain_id,
        actor: systemActor,
        action: 'user.purged',
        target: { type: 'user', id: u.id, name: u.login },
        changes: {},
      })),
    );
    return purged.length;
  });
}
