import type { Db } from '../db/schema.ts';

/** Ends a user's two-factor authentication: seed, pending enrolment and recovery codes. */
export async function clearTwoFactor(db: Db, userId: string): Promise<void> {
  await db.updateTable('users').set({ two_factor: 'none', totp_secret: null, totp_pending_secret: null, totp_last_step: null }).where('id', '=', userId).execute();
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
}
