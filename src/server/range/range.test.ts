import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';

forEachEngine('range creation', (h) => {
  it('creates one user per number from a template, with a secret each shown once, and digests that match', async () => {
    await h().admin.post(`${base}/groups`, { name: 'Range crew' });
    await h().admin.post(`${base}/skills`, { name: 'Range skill' });
    await h().admin.post(`${base}/licenses`, { name: 'range-seat', seats: 30, capability: 'agent' });
    const made = await h().admin.post(`${base}/users/range`, {
      from: '7100',
      to: '7124',
      namePattern: 'Agent {n}',
      template: {
        roles: ['agent'],
        groups: ['Range crew'],
        licenses: ['range-seat'],
        agent: { enabled: true, wrapUpTime: 15, skills: [{ skill: 'range skill', level: 60 }] },
        sip: { connection: 'pbx' },
      },
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.created.length, 25);
    const first = made.body.created[0];
    const user = (await h().admin.get(`${base}/users/${first.id}`)).body;
    assert.deepEqual(
      [
        user.login,
        user.firstName,
        user.groups,
        user.licenses,
        user.sip.extension,
        user.sip.connection,
        user.agent.enabled,
        user.agent.wrapUpTime,
        user.agent.skills,
      ],
      ['7100', 'Agent 7100', ['Range crew'], ['range-seat'], '7100', 'pbx', true, 15, [{ skill: 'Range skill', level: 60 }]],
    );
    assert.equal('secret' in user.sip, false);
    const row = await h().storage.db.selectFrom('sip_accounts').select('ha1_md5').where('user_id', '=', first.id).executeTakeFirstOrThrow();
    const { createHash } = await import('node:crypto');
    assert.equal(row.ha1_md5, createHash('md5').update(`7100:default:${first.sipSecret}`).digest('hex'));
    assert.equal((await h().admin.get(`${base}/licenses/range-seat`)).body.used, 25);
    assert.deepEqual(
      (await h().admin.get(`${base}/users?q=7124`)).body.items.map((u: { login: string }) => u.login),
      ['7124'],
    );
  });

  it("puts each user of a range in the change feed, numbered one after the other in the range's order", async () => {
    const before = (await h().admin.get(`${base}/changes?limit=1000`)).body.items as { seq: number }[];
    const after = before.length ? (before[before.length - 1] as { seq: number }).seq : 0;
    const made = await h().admin.post(`${base}/users/range`, { from: '7500', to: '7519' });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const entries = (await h().admin.get(`${base}/changes?after=${after}&limit=1000`)).body.items as {
      seq: number;
      action: string;
      resource: { type: string; id: string };
    }[];
    assert.deepEqual(
      entries.map((e) => [e.resource.type, e.resource.id, e.action]),
      made.body.created.map((u: { id: string }) => ['user', u.id, 'user.created']),
    );
    assert.deepEqual(
      entries.map((e) => e.seq),
      entries.map((_, i) => after + 1 + i),
    );
  });

  it('lists the numbers already taken, and fails or skips them as asked', async () => {
    await h().admin.post(`${base}/users`, { login: 'taken-ext', roles: ['agent'], sip: { extension: '7202' } });
    await h().admin.post(`${base}/users`, { login: '7204', roles: ['agent'] });
    const refused = await h().admin.post(`${base}/users/range`, { from: '7200', to: '7205' });
    assert.deepEqual(
      [refused.status, refused.body.code, refused.body.errors.map((e: { path: string }) => e.path)],
      [409, 'range.taken', ['numbers/7202', 'numbers/7204']],
    );
    assert.equal((await h().admin.get(`${base}/users?q=7200`)).body.items.length, 0, 'nothing was created');
    const skipped = await h().admin.post(`${base}/users/range`, { from: '7200', to: '7205', onConflict: 'skip' });
    assert.deepEqual(
      [skipped.body.created.map((u: { login: string }) => u.login), skipped.body.skipped.map((s: { number: string }) => s.number)],
      [
        ['7200', '7201', '7203', '7205'],
        ['7202', '7204'],
      ],
    );
    const csv = await h().app.inject({
      method: 'POST',
      url: `${base}/users/range`,
      payload: { from: '7300', to: '7302' },
      headers: { authorization: `Bearer ${h().admin.token}`, accept: 'text/csv' },
    });
    assert.match(csv.body, /login,extension,sipUsername,sipSecret\r?\n7300,7300,7300,[A-Za-z0-9_-]{24}/);
    const withPasswords = await h().app.inject({
      method: 'POST',
      url: `${base}/users/range`,
      payload: { from: '7310', to: '7312', webPasswords: true },
      headers: { authorization: `Bearer ${h().admin.token}`, accept: 'text/csv' },
    });
    const [header, first] = withPasswords.body.replace(/^\uFEFF/, '').split(/\r?\n/) as [string, string];
    assert.equal(header, 'login,extension,sipUsername,sipSecret,password');
    const password = first.split(',')[4] as string;
    const signedIn = await h().anonymous.post('/api/v1/auth/login', { domain: 'default', login: '7310', password });
    assert.equal(signedIn.status, 200, 'the web password handed out signs the user in');
    assert.equal((await h().admin.get(`${base}/users?q=7310`)).body.items[0].passwordChangeRequired, true, 'to be changed at once');
    const tooMany = await h().admin.post(`${base}/users/range`, { from: '10000', to: '20000' });
    assert.deepEqual([tooMany.status, tooMany.body.errors[0].path], [400, 'to']);
    const badTemplate = await h().admin.post(`${base}/users/range`, { from: '7400', to: '7401', template: { roles: ['no-such-role'] } });
    assert.deepEqual([badTemplate.status, badTemplate.body.errors[0].path], [400, 'template/roles/0']);
  });
});
