import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';

forEachEngine('CSV export', (h) => {
  it('streams the filtered users with every column, neutralises formulas and never carries a secret', async () => {
    await h().admin.post(`${base}/tags`, { name: 'export-me' });
    const created = await h().admin.post(`${base}/users`, {
      login: 'exported',
      firstName: '=HYPERLINK("http://evil.example","x")',
      lastName: '@SUM(A1)',
      password: 'Quiet-Violet-Harbor-93!',
      roles: ['agent'],
      tags: ['export-me'],
      sip: { extension: '6600', voicemail: { enabled: true, pin: '480516' }, callerId: { number: '+48 22 100 00 05' } },
      agent: { enabled: true, wrapUpTime: 25 },
    });
    await h().admin.post(`${base}/users`, { login: 'not-exported', roles: ['agent'] });
    const response = await h().app.inject({
      method: 'GET',
      url: `${base}/users/export?tag=export-me`,
      headers: { authorization: `Bearer ${h().admin.token}` },
    });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/csv/);
    assert.match(String(response.headers['content-disposition']), /attachment; filename="users-default-/);
    const lines = response.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    assert.equal(lines.length, 2, 'the header and the one matching user');
    const header = (lines[0] as string).split(',');
    const row = lines[1] as string;
    for (const column of ['login', 'roles', 'extension', 'connection', 'callerIdNumber', 'skills', 'wrapUpTime', 'noAnswerDelay'])
      assert.ok(header.includes(column), column);
    assert.match(row, /^exported,/);
    assert.match(row, /"'=HYPERLINK\(""http:\/\/evil\.example"",""x""\)"/, 'a formula is neutralised');
    assert.match(row, /,'@SUM\(A1\),/);
    assert.match(row, /,'\+48221000005,/, 'a leading + is neutralised too');
    assert.match(row, /,25,/, 'an own agent setting is exported; inherited ones are empty');
    for (const secret of ['Quiet-Violet-Harbor-93!', created.body.sip.secret, '480516']) assert.equal(response.body.includes(secret), false);
  });
});
