import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { forEachEngine } from '../../../test/harness.ts';
import { cipherFor } from '../users/safeguards.ts';
import { SecretCipher } from './cipher.ts';
import { resealSecrets } from './rotate.ts';

forEachEngine('secret key rotation', (h) => {
  it('seals every stored secret again with the new key, in one go, leaving values unchanged', async () => {
    const created = await h().admin.post('/api/v1/domains/default/users', {
      login: 'sealed',
      roles: ['agent'],
      integrations: { calDavToken: 'token-before-rotation' },
    });
    const old = cipherFor(h().config);
    const rotated = new SecretCipher(randomBytes(32), [Buffer.from(h().config.secretKey as string, 'base64')]);
    assert.ok((await resealSecrets(h().storage.db, rotated)) >= 1);
    const row = await h().storage.db.selectFrom('users').select('caldav_token').where('id', '=', created.body.id).executeTakeFirstOrThrow();
    assert.equal(rotated.isCurrent(row.caldav_token as string), true);
    assert.equal(rotated.open(row.caldav_token as string), 'token-before-rotation');
    assert.throws(() => old.open(row.caldav_token as string), /unknown key/);
    assert.equal(await resealSecrets(h().storage.db, rotated), 0, 'a second run has nothing left to do');
  });
});
