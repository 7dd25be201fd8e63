import type { Db } from '../db/schema.ts';
import { passwordBinds } from './connection.ts';
import { bindTarget } from './store.ts';

/**
 * Whether the password of a synced user is right: its directory is asked, by a bind as the
 * user's entry; nothing of the password is kept. Throws `auth.directory_unavailable` (503) when
 * the directory does not answer, which the sign-in must not count as a failed attempt.
 */
export async function directoryPasswordIsRight(db: Db, userId: string, password: string): Promise<boolean> {
  const target = await bindTarget(db, userId);
  if (!target?.directory_dn) return false;
  return passwordBinds({ url: target.url, startTls: target.start_tls === 1 }, target.directory_dn, password);
}
