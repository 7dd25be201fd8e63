import type { Db } from '../db/schema.ts';

/**
 * Takes the lease `name` for `holder` until `until`, or renews it: granted when nobody holds it,
 * when `holder` does, or when its holder let it lapse (a dead process). One statement, so of
 * several processes asking at once exactly one is granted.
 */
export async function takeLease(db: Db, name: string, holder: string, now: Date, until: Date): Promise<boolean> {
  const granted = await db
    .insertInto('leases')
    .values({ name, holder, expires_at: until.toISOString() })
    .onConflict((conflict) =>
      conflict
        .column('name')
        .doUpdateSet({ holder, expires_at: until.toISOString() })
        .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<', now.toISOString())])),
    )
    .returning('holder')
    .executeTakeFirst();
  return granted !== undefined;
}

/** Gives the lease back at once (a process stopping), so another takes it without waiting for it to lapse. */
export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
}
