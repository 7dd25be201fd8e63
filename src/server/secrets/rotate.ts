import type { Db } from '../db/schema.ts';
import type { SecretCipher } from './cipher.ts';

const sealedColumns = ['totp_secret', 'totp_pending_secret', 'caldav_token'] as const;

/**
 * Seals again, with the current key, every secret sealed with an older one, in one transaction:
 * a crash leaves all values as they were. Answers how many values were re-sealed.
 */
export async function resealSecrets(db: Db, cipher: SecretCipher): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('users')
      .select(['id', ...sealedColumns])
      .execute();
    let count = 0;
    for (const row of rows) {
      const changes: Partial<Record<(typeof sealedColumns)[number], string>> = {};
      for (const column of sealedColumns) {
        const sealed = row[column];
        if (sealed && !cipher.isCurrent(sealed)) changes[column] = cipher.seal(cipher.open(sealed));
      }
      if (Object.keys(changes).length === 0) continue;
      await trx.updateTable('users').set(changes).where('id', '=', row.id).execute();
      count += Object.keys(changes).length;
    }
    for (const webhook of await trx.selectFrom('webhook_subscriptions').select(['id', 'secret']).execute()) {
      if (cipher.isCurrent(webhook.secret)) continue;
      await trx
        .updateTable('webhook_subscriptions')
        .set({ secret: cipher.seal(cipher.open(webhook.secret)) })
        .where('id', '=', webhook.id)
        .execute();
      count += 1;
    }
    for (const provider of await trx.selectFrom('identity_providers').select(['id', 'client_secret']).execute()) {
      if (cipher.isCurrent(provider.client_secret)) continue;
      await trx
        .updateTable('identity_providers')
        .set({ client_secret: cipher.seal(cipher.open(provider.client_secret)) })
        .where('id', '=', provider.id)
        .execute();
      count += 1;
    }
    return count;
  });
}
