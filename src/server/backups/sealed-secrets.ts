import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Db } from '../db/schema.ts';
import { cipherFor } from '../users/safeguards.ts';

/** Where this installation's key is, as the operator sets it (never the key itself). */
export const keyPlace = (config: Config) =>
  config.secretKey === undefined ? `the file secret.key in the data folder (${config.dataDir})` : 'SWITCHBOARD_SECRET_KEY';

const hasKey = (config: Config) => config.secretKey !== undefined || existsSync(join(config.dataDir, 'secret.key'));

/** Every sealed value in the directory (the columns secrets/rotate.ts re-seals). */
async function sealedValues(db: Db): Promise<string[]> {
  const users = await db.selectFrom('users').select(['totp_secret', 'totp_pending_secret', 'caldav_token']).execute();
  const webhooks = await db.selectFrom('webhook_subscriptions').select('secret').execute();
  const providers = await db.selectFrom('identity_providers').select('client_secret').execute();
  return [
    ...users.flatMap((u) => [u.totp_secret, u.totp_pending_secret, u.caldav_token]),
    ...webhooks.map((w) => w.secret),
    ...providers.map((p) => p.client_secret),
  ].filter((value): value is string => Boolean(value));
}

/**
 * How many sealed secrets of a restored directory this installation's key cannot open: they were
 * sealed with the key of the installation the backup came from. No key is made if there is none.
 */
export async function unopenedSecrets(db: Db, config: Config): Promise<{ sealed: number; unopened: number; keyPresent: boolean }> {
  const values = await sealedValues(db);
  if (!hasKey(config)) return { sealed: values.length, unopened: values.length, keyPresent: false };
  const cipher = cipherFor(config);
  const unopened = values.filter((value) => {
    try {
      cipher.open(value);
      return false;
    } catch {
      return true;
    }
  }).length;
  return { sealed: values.length, unopened, keyPresent: true };
}
