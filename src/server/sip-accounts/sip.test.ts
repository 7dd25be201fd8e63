import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { forEachEngine, passwordFor, startHarness, userWithRoles, type Harness } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const paths = (body: { errors?: { path: string }[] }) => (body.errors ?? []).map((e) => e.path).sort();

const createUser = (h: Harness, login: string, extra: object = {}) => h.admin.post(`${base}/users`, { login, roles: ['agent'], ...extra });

forEachEngine('SIP accounts', (h) => {
  it('allocates the lowest free extension of the range, defaults the username to it and shows the generated secret once', async () => {
    await h().admin.put(`${base}/sip-settings`, { extensionRange: { from: '0200', to: '0202' } });
    await createUser(h(), 'taken-201', { sip: { extension: '0201' } });
    const created = await createUser(h(), 'first-free', { sip: {} });
    assert.equal(created.status, 201);
    assert.deepEqual([created.body.sip.extension, created.body.sip.username, created.body.sip.secretStatus], ['0200', '0200', 'current']);
    assert.match(created.body.sip.secret, /^[A-Za-z0-9_-]{24}$/, '144 random bits, base64url');
    const read = await h().admin.get(`${base}/users/${created.body.id}`);
    assert.equal('secret' in read.body.sip, false);
    assert.equal('secret' in (await h().admin.get(`${base}/users/${created.body.id}/sip`)).body, false);
    assert.deepEqual((await h().admin.get(`${base}/extensions/free?count=5`)).body, { range: { from: '0200', to: '0202' }, extensions: ['0202'] });
    await createUser(h(), 'last-free', { sip: {} });
    const full = await createUser(h(), 'no-room', { sip: {} });
    assert.deepEqual([full.status, full.body.code], [409, 'sip.range_exhausted']);
    assert.equal((await h().admin.get(`${base}/users?q=no-room`)).body.items.length, 0, 'nothing was written');
  });

  it('gives parallel creations distinct extensions, and one desk to one of many racing users', async () => {
    await h().admin.put(`${base}/sip-settings`, { extensionRange: { from: '30000', to: '39999' } });
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => createUser(h(), `parallel-${i}`, { sip: {} })));
    assert.deepEqual(
      created.map((c) => c.status),
      Array(20).fill(201),
    );
    const numbers = created.map((c) => c.body.sip.extension as string).sort();
    assert.deepEqual(
      numbers,
      Array.from({ length: 20 }, (_, i) => String(30000 + i)),
    );
    await h().admin.post(`${base}/hot-desks`, { extension: '39999' });
    const racers = await Promise.all(Array.from({ length: 10 }, (_, i) => createUser(h(), `racer-${i}`, { sip: { assignment: 'dynamic' } })));
    const answers = await Promise.all(racers.map((r) => h().admin.post(`${base}/users/${r.body.id}/sip/sign-in`, { extension: '39999' })));
    assert.equal(answers.filter((a) => a.status === 200).length, 1);
    assert.ok(
      answers.every((a) => a.status === 200 || a.body.code === 'desk.occupied'),
      JSON.stringify(answers.map((a) => a.body.code)),
    );
    await h().admin.put(`${base}/sip-settings`, {});
  });

  it('stores only digests that match ones computed independently: MD5, SHA-256 and the user@domain form', async () => {
    const secret = 'Viola-Quartz-7731-Nimbus';
    const created = await createUser(h(), 'digested', { sip: { extension: '4711', secret } });
    assert.equal('secret' in created.body.sip, false, 'a secret the administrator chose is not echoed');
    const row = await h().storage.db.selectFrom('sip_accounts').selectAll().where('user_id', '=', created.body.id).executeTakeFirstOrThrow();
    assert.equal(row.ha1_md5, md5(`4711:default:${secret}`));
    assert.equal(row.ha1_sha256, sha256(`4711:default:${secret}`));
    assert.equal(row.ha1b_md5, md5(`4711@default:default:${secret}`));
    assert.equal(row.ha1b_sha256, sha256(`4711@default:default:${secret}`));
    assert.equal(
      Object.values(row).some((value) => String(value).includes(secret)),
      false,
    );
  });

  it('refuses every invalid field at once, with its path, and writes nothing', async () => {
    const before = (await h().admin.get(`${base}/users?limit=500`)).body.items.length;
    const bad = await createUser(h(), 'invalid-sip', {
      sip: {
        extension: '12a',
        username: '-x',
        secret: 'short',
        assignment: 'sometimes',
        connection: 'carrier-pigeon',
        customUri: 'http://example.com',
        authAcl: ['10.0.0.0/33', 'nowhere'],
        stun: 'yes',
        voicemail: { enabled: true, pin: '12' },
        callerId: { number: '+48 12', callNumbers: ['nope'], smsSenders: ['A-sender-name-too-long'] },
        virtualExtension: '1'.repeat(16),
        colour: 'red',
      },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(paths(bad.body), [
      'sip/assignment',
      'sip/authAcl/0',
      'sip/authAcl/1',
      'sip/callerId/callNumbers/0',
      'sip/callerId/number',
      'sip/callerId/smsSenders/0',
      'sip/colour',
      'sip/connection',
      'sip/customUri',
      'sip/extension',
      'sip/secret',
      'sip/stun',
      'sip/username',
      'sip/virtualExtension',
      'sip/voicemail/pin',
    ]);
    const rules = await createUser(h(), 'invalid-rules', {
      sip: {
        extension: '5100',
        assignment: 'dynamic',
        connection: 'custom',
        virtualExtension: '5100',
        voicemail: { enabled: true, pin: '2580' },
        secret: 'has-5100-inside-it',
      },
    });
    assert.equal(rules.status, 400);
    assert.deepEqual(rules.body.errors.map((e: { path: string; code: string }) => `${e.path} ${e.code}`).sort(), [
      'sip/customUri sip.custom_uri_required',
      'sip/extension sip.dynamic_has_no_extension',
      'sip/secret sip.secret_weak',
      'sip/virtualExtension sip.virtual_is_own',
      'sip/voicemail/pin sip.pin_trivial',
    ]);
    for (const pin of ['0000', '1234', '9876', '7890', '1212', '123123', '5100', '0015']) {
      const refused = await createUser(h(), `pin-${pin}`, { sip: { extension: '5100', voicemail: { enabled: true, pin } } });
      assert.equal(refused.body.errors?.[0]?.code, 'sip.pin_trivial', `PIN ${pin} is refused`);
    }
    assert.equal((await h().admin.get(`${base}/users?limit=500`)).body.items.length, before);
  });

  it('keeps extensions unique among users, virtual extensions and hot desks, and SIP usernames unique', async () => {
    await createUser(h(), 'owner-6000', { sip: { extension: '6000', virtualExtension: '6900', username: 'front-desk' } });
    await h().admin.post(`${base}/hot-desks`, { extension: '6500' });
    for (const [sip, path] of [
      [{ extension: '6000' }, 'sip/extension'],
      [{ extension: '6900' }, 'sip/extension'],
      [{ extension: '6500' }, 'sip/extension'],
      [{ extension: '6001', virtualExtension: '6000' }, 'sip/virtualExtension'],
      [{ extension: '6001', username: 'FRONT-DESK' }, 'sip/username'],
    ] as const) {
      const clash = await createUser(h(), 'clasher', { sip });
      assert.deepEqual([clash.status, clash.body.code, paths(clash.body)], [409, 'sip.taken', [path]], JSON.stringify(sip));
    }
    const desk = await h().admin.post(`${base}/hot-desks`, { extension: '6000' });
    assert.deepEqual([desk.status, desk.body.code], [409, 'sip.extension_taken']);
    assert.equal((await h().admin.get(`${base}/users?q=clasher`)).body.items.length, 0);
    assert.equal((await h().admin.delete(`${base}/hot-desks/6500`)).status, 204);
  });

  it('moves the username with the extension it defaulted to, with a new secret, and frees numbers on removal', async () => {
    const { body: user } = await createUser(h(), 'mover', { sip: { extension: '7000' } });
    const moved = await h().admin.put(`${base}/users/${user.id}/sip`, { extension: '7001' });
    assert.equal(moved.status, 200);
    assert.deepEqual([moved.body.extension, moved.body.username], ['7001', '7001']);
    assert.ok(moved.body.secret && moved.body.secret !== user.sip.secret, 'the digest covers the username, so a new secret is made and shown');
    const renamed = await h().admin.put(`${base}/users/${user.id}/sip`, { connection: 'pbx' });
    assert.equal('secret' in renamed.body, false, 'nothing the digest covers changed: no new secret');
    assert.deepEqual(
      (await h().admin.get(`${base}/users?q=7001`)).body.items.map((u: { login: string }) => u.login),
      ['mover'],
      'q matches the extension',
    );
    assert.deepEqual(
      (await h().admin.get(`${base}/users?connection=pbx`)).body.items.map((u: { login: string }) => u.login),
      ['mover'],
    );
    assert.deepEqual(
      (await h().admin.get(`${base}/users?extension=7001`)).body.items.map((u: { login: string }) => u.login),
      ['mover'],
    );
    assert.equal((await h().admin.delete(`${base}/users/${user.id}/sip`)).status, 204);
    assert.equal((await h().admin.get(`${base}/users/${user.id}/sip`)).status, 404);
    assert.equal((await createUser(h(), 'taker', { sip: { extension: '7001' } })).status, 201);
  });

  it('sets every field of the card and reads it back; STUN follows the domain unless set', async () => {
    await h().admin.put(`${base}/sip-settings`, {
      stun: false,
      stunServers: ['stun:stun.example.net:3478'],
      turnServers: ['turns:turn.example.net:5349?transport=tcp'],
    });
    await h().admin.post(`${base}/numbers`, { kind: 'number', value: '+48 22 100 00 01', voice: true, sms: true });
    await h().admin.post(`${base}/numbers`, { kind: 'sender', value: 'ACME' });
    const sip = {
      extension: '8100',
      username: 'agent-8100',
      assignment: 'static',
      connection: 'custom',
      customUri: 'sip:8100@pbx.example.com:5080;transport=tcp',
      authAcl: ['192.0.2.0/24', '2001:db8::/48'],
      voicemail: { enabled: true, pin: '480516' },
      callerId: { name: 'ACME Sales', number: '+48 22 100 00 09', callNumbers: ['+48221000001'], smsSenders: ['ACME', '+48 22 100 00 01'] },
      virtualExtension: '8199',
    };
    const { body } = await createUser(h(), 'card', { sip });
    const read = (await h().admin.get(`${base}/users/${body.id}/sip`)).body;
    assert.deepEqual(read, {
      extension: '8100',
      username: 'agent-8100',
      secretStatus: 'current',
      assignment: 'static',
      desk: null,
      connection: 'custom',
      customUri: 'sip:8100@pbx.example.com:5080;transport=tcp',
      authAcl: ['192.0.2.0/24', '2001:db8::/48'],
      stun: false,
      iceServers: [],
      voicemail: { enabled: true, pinSet: true },
      callerId: { name: 'ACME Sales', number: '+48221000009', callNumbers: ['+48221000001'], smsSenders: ['ACME', '+48221000001'] },
      virtualExtension: '8199',
      inherited: ['stun'],
    });
    const pinHash = (await h().storage.db.selectFrom('sip_accounts').select('voicemail_pin_hash').where('user_id', '=', body.id).executeTakeFirstOrThrow())
      .voicemail_pin_hash;
    assert.match(String(pinHash), /^\$argon2id\$/);
    const own = await h().admin.put(`${base}/users/${body.id}/sip`, { stun: true });
    assert.deepEqual(
      [own.body.stun, own.body.iceServers, own.body.inherited],
      [true, ['stun:stun.example.net:3478', 'turns:turn.example.net:5349?transport=tcp'], []],
    );
    await h().admin.put(`${base}/sip-settings`, {});
  });

  it('takes presentation pools only from the inventory, and a number in a pool cannot leave it silently', async () => {
    await h().admin.post(`${base}/numbers`, { kind: 'number', value: '+48 22 200 00 01', voice: true, sms: false });
    await h().admin.post(`${base}/numbers`, { kind: 'number', value: '+48 22 200 00 02', voice: false, sms: true });
    const wrong = await createUser(h(), 'presenter', {
      sip: { extension: '8200', callerId: { callNumbers: ['+48222000002', '+48222000099'], smsSenders: ['+48222000001', 'NOSUCH'] } },
    });
    assert.deepEqual(
      wrong.body.errors.map((e: { path: string; code: string }) => `${e.path} ${e.code}`),
      [
        'sip/callerId/callNumbers/0 number.not_voice',
        'sip/callerId/callNumbers/1 number.unknown',
        'sip/callerId/smsSenders/0 number.not_sms',
        'sip/callerId/smsSenders/1 number.unknown',
      ],
    );
    const { body: user } = await createUser(h(), 'presenter', {
      sip: { extension: '8200', callerId: { callNumbers: ['+48222000001'], smsSenders: ['+48222000002'] } },
    });
    const inUse = await h().admin.delete(`${base}/numbers/${encodeURIComponent('+48222000001')}`);
    assert.deepEqual([inUse.status, inUse.body.code, inUse.body.errors.map((e: { path: string }) => e.path)], [409, 'number.in_use', [`users/${user.id}`]]);
    assert.match(inUse.body.detail, /presenter/);
    assert.equal((await h().admin.patch(`${base}/numbers/${encodeURIComponent('+48222000002')}`, { sms: false })).body.code, 'number.in_use');
    assert.equal(
      (await h().admin.patch(`${base}/numbers/${encodeURIComponent('+48222000002')}`, { voice: true })).status,
      200,
      'other capabilities change freely',
    );
    await h().admin.put(`${base}/users/${user.id}/sip`, { callerId: { callNumbers: [] } });
    assert.equal((await h().admin.delete(`${base}/numbers/${encodeURIComponent('+48222000001')}`)).status, 204);
  });

  it('asks for a new secret after the realm changes, and digests it for the new realm', async () => {
    await h().admin.post('/api/v1/domains', { name: 'realm-test' });
    const { body: user } = await h().admin.post('/api/v1/domains/realm-test/users', { login: 'phone', roles: ['agent'], sip: { extension: '1000' } });
    await h().admin.patch('/api/v1/domains/realm-test', { realm: 'pbx.realm-test.example' });
    const stale = await h().admin.get(`/api/v1/domains/realm-test/users/${user.id}/sip`);
    assert.equal(stale.body.secretStatus, 'renew');
    const renewed = await h().admin.post(`/api/v1/domains/realm-test/users/${user.id}/sip/secret`);
    assert.deepEqual([renewed.body.username, renewed.body.realm], ['1000', 'pbx.realm-test.example']);
    const row = await h().storage.db.selectFrom('sip_accounts').select(['ha1_md5', 'realm']).where('user_id', '=', user.id).executeTakeFirstOrThrow();
    assert.deepEqual(row, { ha1_md5: md5(`1000:pbx.realm-test.example:${renewed.body.secret}`), realm: 'pbx.realm-test.example' });
    assert.equal((await h().admin.get(`/api/v1/domains/realm-test/users/${user.id}/sip`)).body.secretStatus, 'current');
  });

  it("never lets users renew their own SIP secret, not even a WebRTC account's: every phone using it would stop registering", async () => {
    const { client, id } = await userWithRoles(h(), 'own-phone', ['agent'], { sip: { extension: '6101', connection: 'webrtc' } });
    const before = await h().storage.db.selectFrom('sip_accounts').select(['ha1_md5', 'ha1_sha256']).where('user_id', '=', id).executeTakeFirstOrThrow();
    const refused = await client.post(`${base}/users/${id}/sip/secret`);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'auth.forbidden');
    assert.deepEqual(
      await h().storage.db.selectFrom('sip_accounts').select(['ha1_md5', 'ha1_sha256']).where('user_id', '=', id).executeTakeFirstOrThrow(),
      before,
    );
    const phone = await client.get('/api/v1/me/softphone');
    assert.equal(phone.status, 200);
    assert.deepEqual(phone.body, { uri: 'sip:6101@default', username: '6101', extension: '6101', realm: 'default', websocket: '/sip' });
    const { client: without } = await userWithRoles(h(), 'no-phone', ['agent']);
    const none = await without.get('/api/v1/me/softphone');
    assert.equal(none.status, 404);
    assert.equal(none.body.code, 'sip.no_account');
  });

  it('signs hot-desking users in to free desks and out again, keeping the history', async () => {
    for (const extension of ['9001', '9002']) await h().admin.post(`${base}/hot-desks`, { extension, description: `Desk ${extension}` });
    const ann = (await createUser(h(), 'desk-ann', { sip: { assignment: 'dynamic' } })).body;
    const bob = (await createUser(h(), 'desk-bob', { password: passwordFor('desk-bob'), sip: { assignment: 'dynamic' } })).body;
    const cid = (await createUser(h(), 'desk-cid', { sip: { assignment: 'dynamic' } })).body;
    assert.deepEqual([ann.sip.extension, ann.sip.username], [null, 'desk-ann'], 'no own extension; the username is the login');
    const fixed = (await createUser(h(), 'desk-fixed', { sip: { extension: '9100' } })).body;
    assert.equal((await h().admin.post(`${base}/users/${fixed.id}/sip/sign-in`, {})).body.code, 'sip.not_hot_desking');

    assert.deepEqual((await h().admin.post(`${base}/users/${ann.id}/sip/sign-in`, {})).body, { extension: '9001' });
    const taken = await h().admin.post(`${base}/users/${bob.id}/sip/sign-in`, { extension: '9001' });
    assert.deepEqual([taken.status, taken.body.code], [409, 'desk.occupied']);
    assert.deepEqual((await h().admin.post(`${base}/users/${bob.id}/sip/sign-in`, {})).body, { extension: '9002' });
    assert.equal((await h().admin.post(`${base}/users/${cid.id}/sip/sign-in`, {})).body.code, 'desk.none_free');
    assert.equal((await h().admin.get(`${base}/users/${bob.id}/sip`)).body.desk, '9002');
    assert.deepEqual(
      (await h().admin.get(`${base}/users?extension=9002`)).body.items.map((u: { login: string }) => u.login),
      ['desk-bob'],
    );
    const desks = (await h().admin.get(`${base}/hot-desks`)).body.items.filter((d: { extension: string }) => d.extension.startsWith('900'));
    assert.deepEqual(
      desks.map((d: { extension: string; occupiedBy: { login: string } | null }) => [d.extension, d.occupiedBy?.login]),
      [
        ['9001', 'desk-ann'],
        ['9002', 'desk-bob'],
      ],
    );
    assert.equal((await h().admin.delete(`${base}/hot-desks/9001`)).body.code, 'desk.occupied');

    assert.equal((await h().admin.post(`${base}/users/${ann.id}/sip/sign-out`)).status, 204);
    assert.equal((await h().admin.post(`${base}/users/${ann.id}/sip/sign-out`)).body.code, 'desk.not_signed_in');
    assert.deepEqual((await h().admin.post(`${base}/users/${cid.id}/sip/sign-in`, { extension: '9001' })).body, { extension: '9001' });
    const bobHimself = await h().signIn('default', 'desk-bob', passwordFor('desk-bob'));
    assert.equal((await bobHimself.post(`${base}/users/${bob.id}/sip/sign-out`)).status, 204, 'users sign themselves out');
    assert.equal((await bobHimself.post(`${base}/users/${ann.id}/sip/sign-in`, {})).status, 403, 'but not others in');
    await h().admin.post(`${base}/users/${ann.id}/sip/sign-in`, {});
    assert.deepEqual(
      (await h().admin.get(`${base}/users/${bob.id}/sip/sign-ins`)).body.items.map((s: { signedOutBy: string }) => s.signedOutBy),
      ['self'],
    );
    const history = (await h().admin.get(`${base}/users/${ann.id}/sip/sign-ins`)).body.items;
    assert.deepEqual(
      history.map((s: { extension: string; signedOutBy: string | null }) => [s.extension, s.signedOutBy]),
      [
        ['9002', null],
        ['9001', 'admin'],
      ],
      'newest first; who signed out',
    );
    assert.ok(history[1].signedOutAt >= history[1].signedInAt);
    const audit = (await h().admin.get(`${base}/audit?target=${ann.id}`)).body.items.map((e: { action: string }) => e.action);
    assert.ok(audit.includes('desk.signed_in') && audit.includes('desk.signed_out'));
  });
});

describe('SIP secrets', () => {
  it('never appear after creation: not in answers, the audit log, the log or the database file', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    const h = await startHarness('sqlite', {}, { level: 'trace', stream });
    try {
      const chosen = 'Mossy-Lantern-4417-Quill';
      const pin = '480516';
      const created = await createUser(h, 'quiet-phone', { sip: { extension: '1500', voicemail: { enabled: true, pin } } });
      const generated = created.body.sip.secret as string;
      await h.admin.put(`${base}/users/${created.body.id}/sip`, { secret: chosen });
      const answers = [
        await h.admin.get(`${base}/users/${created.body.id}`),
        await h.admin.get(`${base}/users/${created.body.id}/sip`),
        await h.admin.get(`${base}/users?q=quiet`),
        await h.admin.get(`${base}/audit?target=${created.body.id}`),
      ].map((r) => JSON.stringify(r.body));
      const audit = answers[3] as string;
      assert.match(audit, /sipSecret/, 'the audit log says the secret changed');
      const file = h.config.databaseUrl.slice('sqlite:'.length);
      const stored = ['', '-wal']
        .map((suffix) => {
          try {
            return readFileSync(`${file}${suffix}`).toString('latin1');
          } catch {
            return '';
          }
        })
        .join('');
      for (const value of [generated, chosen, pin]) {
        for (const answer of answers) assert.equal(answer.includes(value), false, `an answer holds ${value.slice(0, 4)}…`);
        assert.equal(lines.join('').includes(value), false, `the log holds ${value.slice(0, 4)}…`);
        assert.equal(stored.includes(value), false, `the database holds ${value.slice(0, 4)}…`);
      }
    } finally {
      await h.close();
    }
  });
});
