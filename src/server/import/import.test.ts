import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { forEachEngine } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';

forEachEngine('CSV import', (h) => {
  const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/${name}`, import.meta.url));
  const upload = (file: Buffer | string, query = '') =>
    h().app.inject({
      method: 'POST',
      url: `${base}/users/import${query}`,
      payload: file,
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${h().admin.token}` },
    });

  it('imports a Windows-1251 file with its extensions, and a dry run writes nothing', async () => {
    const dry = await upload(fixture('excel-ua-cp1251.csv'), '?dryRun=true');
    assert.equal(dry.statusCode, 200, dry.body);
    assert.deepEqual([dry.json().encoding, dry.json().delimiter, dry.json().rows, dry.json().created, dry.json().problems], ['windows-1251', ',', 3, 3, []]);
    assert.equal((await h().admin.get(`${base}/users?q=ua0`)).body.items.length, 0, 'a dry run writes nothing');
    const done = await upload(fixture('excel-ua-cp1251.csv'));
    assert.equal(done.json().created, 3);
    const user = (await h().admin.get(`${base}/users?q=ua2`)).body.items[0];
    assert.deepEqual([user.firstName, user.lastName, user.sip.extension, user.roles], ['Ірина', 'Ґудзь', '4003', ['agent']]);
  });

  it('refuses a whole file with problems in atomic mode, listing each, and takes the valid rows in partial mode', async () => {
    const refused = await upload(fixture('excel-pl-cp1250.csv'));
    assert.equal(refused.statusCode, 400);
    // łukasz1, małgorzata3 and paweł4: logins are Latin, and so is an e-mail's local part here.
    assert.deepEqual(
      refused.json().errors.map((e: { path: string }) => e.path),
      ['rows/3/login', 'rows/3/e-mail', 'rows/5/login', 'rows/5/e-mail', 'rows/6/login', 'rows/6/e-mail'],
    );
    assert.equal((await h().admin.get(`${base}/users?q=zofia0`)).body.items.length, 0, 'nothing was imported');
    const partial = await upload(fixture('excel-pl-cp1250.csv'), '?mode=partial');
    assert.deepEqual(
      [
        partial.statusCode,
        partial.json().created,
        partial
          .json()
          .problems.filter((p: { column: string }) => p.column === 'login')
          .map((p: { row: number; value: string }) => [p.row, p.value]),
      ],
      [
        200,
        2,
        [
          [3, 'łukasz1'],
          [5, 'małgorzata3'],
          [6, 'paweł4'],
        ],
      ],
    );
    assert.equal((await h().admin.get(`${base}/users?q=grzegorz2`)).body.items[0].sip.extension, '3003');
    const again = await upload(fixture('excel-pl-cp1250.csv'), '?mode=partial&onExisting=skip');
    assert.deepEqual(
      again.json().skipped.map((s: { login: string }) => s.login),
      ['zofia0', 'grzegorz2'],
    );
    const report = await upload(fixture('excel-pl-cp1250.csv'), '?report=csv&onExisting=skip');
    assert.match(String(report.headers['content-type']), /^text\/csv/);
    const lines = report.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    assert.equal(lines[0], 'login;imię;nazwisko;e-mail;numer wewnętrzny;error', 'the file as sent, decoded, with its own delimiter and an error column');
    assert.match(lines[2] as string, /^łukasz1;Łukasz;Żółkiewski;łukasz1@firma\.pl;3002;"?login: Latin letters/);
    assert.match(lines[1] as string, /^zofia0;Zofia;Wójcik;zofia0@firma\.pl;3001;$/, 'rows without problems have an empty error');
    const twice = await upload('login,extension\nsame,5501\nSAME,5502\n', '?dryRun=true');
    assert.deepEqual(
      twice.json().problems.map((p: { row: number; message: string }) => [p.row, p.message]),
      [[3, 'The same login as row 2']],
    );
  });

  it('hands out a template whose example row imports as it is', async () => {
    const template = await h().app.inject({ method: 'GET', url: `${base}/users/import/template`, headers: { authorization: `Bearer ${h().admin.token}` } });
    assert.match(String(template.headers['content-type']), /^text\/csv/);
    const header = (template.body.replace(/^\uFEFF/, '').split(/\r?\n/)[0] as string).split(',');
    for (const column of ['login', 'extension', 'skills', 'voicemailPin', 'sipSecret', 'password']) assert.ok(header.includes(column), column);
    for (const name of ['Night shift', 'Sales']) await h().admin.post(`${base}/groups`, { name });
    await h().admin.post(`${base}/tags`, { name: 'vip' });
    for (const name of ['Polish', 'English']) await h().admin.post(`${base}/skills`, { name });
    const dry = await upload(template.body, '?dryRun=true');
    assert.deepEqual([dry.json().problems, dry.json().created], [[], 1]);
  });

  it('updates existing users with only the cells the file has (onExisting=update)', async () => {
    await h().admin.post(`${base}/tags`, { name: 'kept' });
    const { body: user } = await h().admin.post(`${base}/users`, {
      login: 'to.update',
      firstName: 'Old',
      lastName: 'Name',
      roles: ['agent'],
      tags: ['kept'],
      agent: { enabled: true },
    });
    const result = await upload('login;firstName;wrapUpTime\nto.update;New;42\nbrand.new;Fresh;5\n', '?onExisting=update');
    assert.equal(result.statusCode, 200, result.body);
    assert.deepEqual([result.json().created, result.json().updated], [1, 1]);
    const after = (await h().admin.get(`${base}/users/${user.id}`)).body;
    assert.deepEqual([after.firstName, after.lastName, after.tags, after.agent.wrapUpTime, after.version], ['New', 'Name', ['kept'], 42, 2]);
    const unchanged = await upload('login;firstName\nto.update;New\n', '?onExisting=update');
    assert.equal(unchanged.json().updated, 0, 'a row that changes nothing is not written');
    const bad = await upload('login;timezone\nto.update;Mars/Olympus\n', '?onExisting=update');
    assert.deepEqual([bad.statusCode, bad.json().errors[0].path], [400, 'rows/2/timezone']);
  });

  it('round-trips an export through the import', async () => {
    await h().admin.post(`${base}/tags`, { name: 'roundtrip' });
    await h().admin.post(`${base}/users`, {
      login: 'round.trip',
      firstName: 'Round',
      lastName: 'Trip',
      roles: ['agent'],
      tags: ['roundtrip'],
      sip: { extension: '5601', connection: 'pbx', callerId: { number: '+48 22 100 00 08' } },
      agent: { enabled: true, wrapUpTime: 12 },
    });
    const exported = await h().app.inject({
      method: 'GET',
      url: `${base}/users/export?tag=roundtrip`,
      headers: { authorization: `Bearer ${h().admin.token}` },
    });
    const before = (await h().admin.get(`${base}/users?q=round.trip`)).body.items[0];
    assert.equal((await h().admin.post(`${base}/users/bulk-delete`, { ids: [before.id], confirm: 1 })).status, 200);
    await h().storage.db.deleteFrom('users').where('id', '=', before.id).execute();
    const imported = await upload(exported.body);
    assert.equal(imported.statusCode, 200, imported.body);
    const after = (await h().admin.get(`${base}/users?q=round.trip`)).body.items[0];
    for (const key of ['login', 'firstName', 'lastName', 'roles', 'tags', 'active']) assert.deepEqual(after[key], before[key], key);
    assert.deepEqual(
      [after.sip.extension, after.sip.connection, after.sip.callerId.number, after.agent.enabled, after.agent.wrapUpTime, after.agent.inherited],
      [before.sip.extension, before.sip.connection, before.sip.callerId.number, true, 12, before.agent.inherited],
    );
  });
});
