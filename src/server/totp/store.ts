import type { Db } from '../db/schema.ts';

/** Ends a user's two-factor authentication: seed, pending enrolment and recovery codes. */
export async function clearTwoFactor(db: Db, userId: string): Promise<void> {
  await db
    .updateTable('users')
    .set({ two_factor: 'none', totp_secret: null, totp_pending_secret: null, totp_last_step: null })
    .where('id', '=', userId)
    .execute();
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
}

export async function savePendingSecret(db: Db, userId: string, sealed: string): Promise<void> {
  await db.updateTable('users').set({ totp_pending_secret: sealed }).where('id', '=', userId).execute();
}

export async function readTotp(db: Db, userId: string) {
  return db.selectFrom('users').select(['two_factor', 'totp_secret', 'totp_pending_secret', 'totp_last_step']).where('id', '=', userId).executeTakeFirst();
}

/** Turns two-factor on with the confirmed seed and a fresh set of recovery codes. */
export async function enableTwoFactor(db: Db, userId: string, sealedSecret: string, step: number, recoveryHashes: string[]): Promise<void> {
  await db
    .updateTable('users')
    .set({ two_factor: 'totp', totp_secret: sealedSecret, totp_pending_secret: null, totp_last_step: step })
    .where('id', '=', userId)
    .execute();
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db
    .insertInto('recovery_codes')
    .values(recoveryHashes.map((code_hash) => ({ user_id: userId, code_hash, used_at: null })))
    .execute();
}

/** Records the step of an accepted code; answers false if another sign-in used it first. */
export async function useStep(db: Db, userId: string, step: number, lastStep: number | null): Promise<boolean> {
  let update = db.updateTable('users').set({ totp_last_step: step }).where('id', '=', userId);
  update = lastStep === null ? update.where('totp_last_step', 'is', null) : update.where('totp_last_step', '=', lastStep);
  return Number((await update.executeTakeFirst()).numUpdatedRows) === 1;
}

/** Spends a recovery code; answers false when it is unknown or spent. */
export async function useRecoveryCode(db: Db, userId: string, codeHash: string): Promise<boolean> {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: new Date().toISOString() })
    .where('user_id', '=', userId)
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
