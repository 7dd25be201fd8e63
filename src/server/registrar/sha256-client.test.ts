import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../../../test/harness.ts';
import { linphoneRegister, type LinphoneRegistration } from '../../../test/linphone.ts';
import { listenSip, type SipListeners } from './transports.ts';

const base = '/api/v1/domains/default';

describe('SIP registrar with Linphone (SHA-256 digest, RFC 8760)', () => {
  let h: Harness;
  let sip: SipListeners;
  const presence = async (id: string) => (await h.admin.get(`${base}/users/${id}/presence`)).body.registration;
  const softPhone = async (login: string, extension: string, secret: string) => {
    const created = await h.admin.post(`${base}/users`, { login, roles: ['agent'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const account = await h.admin.put(`${base}/users/${created.body.id}/sip`, { extension, secret });
    assert.equal(account.status, 200, JSON.stringify(account.body));
    return created.body.id as string;
  };
  const register = (account: Pick<LinphoneRegistration, 'user' | 'password'>, whileRegistered?: () => Promise<void>, transport: 'udp' | 'tcp' = 'udp') =>
    linphoneRegister({ port: sip.port, transport, host: 'default', expires: 300, ...account }, whileRegistered);

  before(async () => {
    h = await startHarness('sqlite');
    sip = await listenSip(h.app.registrar, h.app.sipConnections, '127.0.0.1', 0, h.app.log);
    const settings = await h.admin.put(`${base}/sip-settings`, { digestAlgorithms: ['SHA-256', 'MD5'] });
    assert.deepEqual(settings.body.digestAlgorithms, ['SHA-256', 'MD5']);
  });
  after(async () => {
    await sip.close();
    await h.close();
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`registers Linphone over ${transport}, shows it in presence while it runs and unregisters it when it quits`, async () => {
      const [user, secret] = [transport === 'udp' ? '1201' : '1202', `Linphone-${transport}-secret-1`];
      const id = await softPhone(`linphone-${transport}`, user, secret);
      let whileRunning: { registered: boolean; contacts: { transport: string; userAgent: string }[] } | undefined;
      const run = await register({ user, password: secret }, async () => void (whileRunning = await presence(id)), transport);
      assert.ok(run.ok, run.log);
      assert.equal(whileRunning?.registered, true);
      assert.ok(
        whileRunning.contacts.some((c) => c.transport === transport && c.userAgent.includes('Linphone')),
        JSON.stringify(whileRunning.contacts),
      );
      assert.equal((await presence(id)).registered, false);
    });
  }

  it('answers with SHA-256, not MD5: an account whose stored SHA-256 digest is off is refused until only MD5 is offered', async () => {
    const secret = 'Linphone-digest-secret-3';
    const id = await softPhone('linphone-digest', '1203', secret);
    // The MD5 digest stays right; only a client that answers the SHA-256 challenge meets the wrong one.
    const otherSha256 = createHash('sha256').update(`1203:default:not-${secret}`).digest('hex');
    await h.storage.db.updateTable('sip_accounts').set({ ha1_sha256: otherSha256 }).where('user_id', '=', id).execute();

    const refused = await register({ user: '1203', password: secret });
    assert.equal(refused.state, 'failed', refused.log);
    await h.admin.put(`${base}/sip-settings`, { digestAlgorithms: ['MD5'] });
    try {
      const run = await register({ user: '1203', password: secret });
      assert.ok(run.ok, run.log);
    } finally {
      await h.admin.put(`${base}/sip-settings`, { digestAlgorithms: ['SHA-256', 'MD5'] });
    }
  });

  it('refuses Linphone with a wrong password', async () => {
    const id = await softPhone('linphone-guessed', '1204', 'Linphone-right-secret-4');
    const run = await register({ user: '1204', password: 'Linphone-wrong-secret-4' });
    assert.equal(run.state, 'failed', run.log);
    assert.equal((await presence(id)).registered, false);
  });
});
