import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { forEachEngine } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';
const logins = (body: { items: { login: string }[] }) => body.items.map((u) => u.login);

forEachEngine('bulk delete and restore', (h) => {
  it('deletes exactly the users the administrator saw, or nothing when the count differs', async () => {
    await h().admin.post(`${base}/tags`, { name: 'leaving' });
    for (let i = 0; i < 12; i += 1) await h().admin.post(`${base}/users`, { login: `leaver-${i}`, roles: ['agent'], tags: ['leaving'] });
    assert.deepEqual((await h().admin.get(`${base}/users/count?tag=leaving`)).body, { count: 12, more: false }, 'what the screen shows before asking');
    const stale = await h().admin.post(`${base}/users/bulk-delete`, { filter: { tag: 'leaving' }, confirm: 10 });
    assert.deepEqual([stale.status, stale.body.code, stale.body.errors[0].message], [409, 'bulk.count_mismatch', '12 users match']);
    assert.equal(logins((await h().admin.get(`${base}/users?tag=leaving`)).body).length, 12, 'nothing was deleted');

    const done = await h().admin.post(`${base}/users/bulk-delete`, { filter: { tag: 'leaving' }, confirm: 12 });
    assert.deepEqual([done.status, done.body.count], [200, 12]);
    assert.equal(logins((await h().admin.get(`${base}/users?tag=leaving`)).body).length, 0);
    assert.equal(logins((await h().admin.get(`${base}/users?tag=leaving&deleted=true`)).body).length, 12);
    const audit = (await h().admin.get(`${base}/audit?action=user.deleted&limit=100`)).body.items.filter((e: { changes: { bulkOperation?: { to: string } } }) => e.changes.bulkOperation?.to === done.body.bulkId);
    assert.equal(audit.length, 12, 'one audit entry per user, carrying the bulk id');

    const restored = await h().admin.post(`${base}/users/bulk-restore`, { ids: done.body.users.slice(0, 5).map((u: { id: string }) => u.id) });
    assert.equal(restored.body.count, 5);
    assert.equal(logins((await h().admin.get(`${base}/users?tag=leaving`)).body).length, 5);
    assert.equal((await h().admin.post(`${base}/users/bulk-restore`, { filter: { tag: 'leaving' } })).body.count, 7);
  });

  it('refuses unknown ids, both ids and filter, deleting oneself, and leaving a domain without an administrator', async () => {
    const unknown = await h().admin.post(`${base}/users/bulk-delete`, { ids: ['no-such-user'], confirm: 1 });
    assert.deepEqual([unknown.status, unknown.body.errors[0].path], [400, 'ids/0']);
    assert.equal((await h().admin.post(`${base}/users/bulk-delete`, { ids: ['a'], filter: {}, confirm: 1 })).status, 400);
    const me = (await h().admin.get('/api/v1/me')).body.user.id;
    assert.equal((await h().admin.post(`${base}/users/bulk-delete`, { ids: [me], confirm: 1 })).body.code, 'bulk.includes_self');
    await h().admin.post('/api/v1/domains', { name: 'bulk-tenant' });
    const tenantAdmin = (await h().admin.post('/api/v1/domains/bulk-tenant/users', { login: 'only-admin', roles: ['admin'] })).body;
    const orphaning = await h().admin.post('/api/v1/domains/bulk-tenant/users/bulk-delete', { ids: [tenantAdmin.id], confirm: 1 });
    assert.deepEqual([orphaning.status, orphaning.body.code], [409, 'domain.last_administrator']);
    assert.equal((await h().admin.get(`/api/v1/domains/bulk-tenant/users/${tenantAdmin.id}`)).body.deletedAt, null, 'rolled back');
  });
});

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
    const response = await h().app.inject({ method: 'GET', url: `${base}/users/export?tag=export-me`, headers: { authorization: `Bearer ${h().admin.token}` } });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/csv/);
    assert.match(String(response.headers['content-disposition']), /attachment; filename="users-default-/);
    const lines = response.body.replace(/^\uFEFF/, '').trim().split('\n');
    assert.equal(lines.length, 2, 'the header and the one matching user');
    const header = (lines[0] as string).split(',');
    const row = lines[1] as string;
    for (const column of ['login', 'roles', 'extension', 'connection', 'callerIdNumber', 'skills', 'wrapUpTime', 'noAnswerDelay']) assert.ok(header.includes(column), column);
    assert.match(row, /^exported,/);
    assert.match(row, /"'=HYPERLINK\(""http:\/\/evil\.example"",""x""\)"/, 'a formula is neutralised');
    assert.match(row, /,'@SUM\(A1\),/);
    assert.match(row, /,'\+48221000005,/, 'a leading + is neutralised too');
    assert.match(row, /,25,/, 'an own agent setting is exported; inherited ones are empty');
    for (const secret of ['Quiet-Violet-Harbor-93!', created.body.sip.secret, '480516']) assert.equal(response.body.includes(secret), false);
  });
});

forEachEngine('bulk edit', (h) => {
  it('adds and removes groups, tags and skills and sets fields, by ids or by filter, with a preview first', async () => {
    for (const name of ['Night', 'Sales']) await h().admin.post(`${base}/groups`, { name });
    await h().admin.post(`${base}/tags`, { name: 'shift-b' });
    await h().admin.post(`${base}/skills`, { name: 'German' });
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1) ids.push((await h().admin.post(`${base}/users`, { login: `crew-${i}`, roles: ['agent'], groups: ['Sales'], tags: i < 4 ? ['shift-b'] : [], agent: { enabled: true } })).body.id);

    const preview = await h().admin.post(`${base}/users/bulk`, { filter: { tag: 'shift-b' }, preview: true, add: { groups: ['Night'] }, remove: { groups: ['sales'] } });
    assert.deepEqual([preview.body.preview, preview.body.count, preview.body.bulkId], [true, 4, null]);
    assert.deepEqual((await h().admin.get(`${base}/users/${ids[0]}`)).body.groups, ['Sales'], 'a preview changes nothing');

    const done = await h().admin.post(`${base}/users/bulk`, { filter: { tag: 'shift-b' }, add: { groups: ['Night'], skills: [{ skill: 'german', level: 70 }] }, remove: { groups: ['sales'] }, set: { timezone: 'Europe/Berlin', agent: { wrapUpTime: 30 } } });
    assert.equal(done.body.count, 4);
    const changed = (await h().admin.get(`${base}/users/${ids[0]}`)).body;
    assert.deepEqual([changed.groups, changed.timezone, changed.agent.wrapUpTime, changed.agent.skills], [['Night'], 'Europe/Berlin', 30, [{ skill: 'German', level: 70 }]]);
    assert.deepEqual((await h().admin.get(`${base}/users/${ids[5]}`)).body.groups, ['Sales'], 'users outside the filter keep theirs');
    const audit = (await h().admin.get(`${base}/audit?target=${ids[0]}`)).body.items[0];
    assert.deepEqual([audit.action, audit.changes.bulkOperation.to], ['user.updated', done.body.bulkId]);

    const byIds = await h().admin.post(`${base}/users/bulk`, { ids: [ids[4], ids[5]], set: { active: false } });
    assert.equal(byIds.body.count, 2);
    assert.equal((await h().admin.get(`${base}/users/${ids[5]}`)).body.active, false);
    const again = await h().admin.post(`${base}/users/bulk`, { ids: [ids[4], ids[5]], set: { active: false } });
    assert.equal(again.body.count, 0, 'users already so are not touched');
  });

  it('hands out and takes back license seats, refusing more users than free seats and users still using what a license covers', async () => {
    await h().admin.post(`${base}/licenses`, { name: 'CRM', seats: 3 });
    await h().admin.post(`${base}/licenses`, { name: 'Agent seat', seats: 10, capability: 'agent' });
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) ids.push((await h().admin.post(`${base}/users`, { login: `seat-${i}`, roles: ['agent'] })).body.id);
    const tooMany = await h().admin.post(`${base}/users/bulk`, { ids, add: { licenses: ['CRM'] } });
    assert.deepEqual([tooMany.status, tooMany.body.errors[0].path, tooMany.body.errors[0].message], [400, 'add/licenses/0', 'CRM has 3 free seats, 4 are needed']);
    const three = await h().admin.post(`${base}/users/bulk`, { ids: ids.slice(0, 3), add: { licenses: ['crm', 'Agent seat'] } });
    assert.equal(three.body.count, 3);
    assert.deepEqual((await h().admin.get(`${base}/users/${ids[0]}`)).body.licenses.sort(), ['Agent seat', 'CRM']);
    assert.deepEqual([(await h().admin.get(`${base}/licenses/CRM`)).body.used, (await h().admin.get(`${base}/licenses/Agent seat`)).body.used], [3, 3]);
    await h().admin.patch(`${base}/users/${ids[0]}`, { agent: { enabled: true } });
    const inUse = await h().admin.post(`${base}/users/bulk`, { ids: ids.slice(0, 3), remove: { licenses: ['Agent seat'] } });
    assert.deepEqual([inUse.status, inUse.body.errors.map((e: { path: string }) => e.path)], [400, [`users/${ids[0]}/licenses`]]);
    const released = await h().admin.post(`${base}/users/bulk`, { ids: ids.slice(1, 3), remove: { licenses: ['Agent seat', 'CRM'] } });
    assert.equal(released.body.count, 2);
    assert.deepEqual([(await h().admin.get(`${base}/licenses/CRM`)).body.used, (await h().admin.get(`${base}/licenses/Agent seat`)).body.used], [1, 1]);
    const audit = (await h().admin.get(`${base}/audit?target=${ids[1]}`)).body.items[0];
    assert.deepEqual([audit.action, audit.changes.bulkOperation.to], ['license.removed', released.body.bulkId]);
  });

  it('changes nobody when any user cannot take the change, and lists every problem', async () => {
    const a = (await h().admin.post(`${base}/users`, { login: 'solo-role', roles: ['agent'] })).body;
    const b = (await h().admin.post(`${base}/users`, { login: 'two-roles', roles: ['agent', 'supervisor'] })).body;
    const refused = await h().admin.post(`${base}/users/bulk`, { ids: [a.id, b.id], remove: { roles: ['agent'] }, add: { tags: [] } });
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.errors.map((e: { path: string }) => e.path), [`users/${a.id}/roles`]);
    assert.deepEqual((await h().admin.get(`${base}/users/${b.id}`)).body.roles, ['agent', 'supervisor'], 'the valid user was not changed either');
    const unknownGroup = await h().admin.post(`${base}/users/bulk`, { ids: [a.id], add: { groups: ['No such group'] } });
    assert.deepEqual([unknownGroup.status, unknownGroup.body.errors[0].path], [400, `users/${a.id}/groups/0`]);
  });
});

forEachEngine('range creation', (h) => {
  it('creates one user per number from a template, with a secret each shown once, and digests that match', async () => {
    await h().admin.post(`${base}/groups`, { name: 'Range crew' });
    await h().admin.post(`${base}/skills`, { name: 'Range skill' });
    await h().admin.post(`${base}/licenses`, { name: 'range-seat', seats: 30, capability: 'agent' });
    const made = await h().admin.post(`${base}/users/range`, {
      from: '7100',
      to: '7124',
      namePattern: 'Agent {n}',
      template: { roles: ['agent'], groups: ['Range crew'], licenses: ['range-seat'], agent: { enabled: true, wrapUpTime: 15, skills: [{ skill: 'range skill', level: 60 }] }, sip: { connection: 'pbx' } },
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.created.length, 25);
    const first = made.body.created[0];
    const user = (await h().admin.get(`${base}/users/${first.id}`)).body;
    assert.deepEqual(
      [user.login, user.firstName, user.groups, user.licenses, user.sip.extension, user.sip.connection, user.agent.enabled, user.agent.wrapUpTime, user.agent.skills],
      ['7100', 'Agent 7100', ['Range crew'], ['range-seat'], '7100', 'pbx', true, 15, [{ skill: 'Range skill', level: 60 }]],
    );
    assert.equal('secret' in user.sip, false);
    const row = await h().storage.db.selectFrom('sip_accounts').select('ha1_md5').where('user_id', '=', first.id).executeTakeFirstOrThrow();
    const { createHash } = await import('node:crypto');
    assert.equal(row.ha1_md5, createHash('md5').update(`7100:default:${first.sipSecret}`).digest('hex'));
    assert.equal((await h().admin.get(`${base}/licenses/range-seat`)).body.used, 25);
    assert.deepEqual((await h().admin.get(`${base}/users?q=7124`)).body.items.map((u: { login: string }) => u.login), ['7124']);
  });

  it('lists the numbers already taken, and fails or skips them as asked', async () => {
    await h().admin.post(`${base}/users`, { login: 'taken-ext', roles: ['agent'], sip: { extension: '7202' } });
    await h().admin.post(`${base}/users`, { login: '7204', roles: ['agent'] });
    const refused = await h().admin.post(`${base}/users/range`, { from: '7200', to: '7205' });
    assert.deepEqual([refused.status, refused.body.code, refused.body.errors.map((e: { path: string }) => e.path)], [409, 'range.taken', ['numbers/7202', 'numbers/7204']]);
    assert.equal((await h().admin.get(`${base}/users?q=7200`)).body.items.length, 0, 'nothing was created');
    const skipped = await h().admin.post(`${base}/users/range`, { from: '7200', to: '7205', onConflict: 'skip' });
    assert.deepEqual([skipped.body.created.map((u: { login: string }) => u.login), skipped.body.skipped.map((s: { number: string }) => s.number)], [['7200', '7201', '7203', '7205'], ['7202', '7204']]);
    const csv = await h().app.inject({ method: 'POST', url: `${base}/users/range`, payload: { from: '7300', to: '7302' }, headers: { authorization: `Bearer ${h().admin.token}`, accept: 'text/csv' } });
    assert.match(csv.body, /login,extension,sipUsername,sipSecret\r?\n7300,7300,7300,[A-Za-z0-9_-]{24}/);
    const withPasswords = await h().app.inject({ method: 'POST', url: `${base}/users/range`, payload: { from: '7310', to: '7312', webPasswords: true }, headers: { authorization: `Bearer ${h().admin.token}`, accept: 'text/csv' } });
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

forEachEngine('CSV import', (h) => {
  const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/${name}`, import.meta.url));
  const upload = (file: Buffer | string, query = '') =>
    h().app.inject({ method: 'POST', url: `${base}/users/import${query}`, payload: file, headers: { 'content-type': 'text/csv', authorization: `Bearer ${h().admin.token}` } });

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
    assert.deepEqual(refused.json().errors.map((e: { path: string }) => e.path), ['rows/3/login', 'rows/3/e-mail', 'rows/5/login', 'rows/5/e-mail', 'rows/6/login', 'rows/6/e-mail']);
    assert.equal((await h().admin.get(`${base}/users?q=zofia0`)).body.items.length, 0, 'nothing was imported');
    const partial = await upload(fixture('excel-pl-cp1250.csv'), '?mode=partial');
    assert.deepEqual([partial.statusCode, partial.json().created, partial.json().problems.filter((p: { column: string }) => p.column === 'login').map((p: { row: number; value: string }) => [p.row, p.value])], [200, 2, [[3, 'łukasz1'], [5, 'małgorzata3'], [6, 'paweł4']]]);
    assert.equal((await h().admin.get(`${base}/users?q=grzegorz2`)).body.items[0].sip.extension, '3003');
    const again = await upload(fixture('excel-pl-cp1250.csv'), '?mode=partial&onExisting=skip');
    assert.deepEqual(again.json().skipped.map((s: { login: string }) => s.login), ['zofia0', 'grzegorz2']);
    const report = await upload(fixture('excel-pl-cp1250.csv'), '?report=csv&onExisting=skip');
    assert.match(String(report.headers['content-type']), /^text\/csv/);
    const lines = report.body.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    assert.equal(lines[0], 'login;imię;nazwisko;e-mail;numer wewnętrzny;error', 'the file as sent, decoded, with its own delimiter and an error column');
    assert.match(lines[2] as string, /^łukasz1;Łukasz;Żółkiewski;łukasz1@firma\.pl;3002;"?login: Latin letters/);
    assert.match(lines[1] as string, /^zofia0;Zofia;Wójcik;zofia0@firma\.pl;3001;$/, 'rows without problems have an empty error');
    const twice = await upload('login,extension\nsame,5501\nSAME,5502\n', '?dryRun=true');
    assert.deepEqual(twice.json().problems.map((p: { row: number; message: string }) => [p.row, p.message]), [[3, 'The same login as row 2']]);
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
    const { body: user } = await h().admin.post(`${base}/users`, { login: 'to.update', firstName: 'Old', lastName: 'Name', roles: ['agent'], tags: ['kept'], agent: { enabled: true } });
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
    await h().admin.post(`${base}/users`, { login: 'round.trip', firstName: 'Round', lastName: 'Trip', roles: ['agent'], tags: ['roundtrip'], sip: { extension: '5601', connection: 'pbx', callerId: { number: '+48 22 100 00 08' } }, agent: { enabled: true, wrapUpTime: 12 } });
    const exported = await h().app.inject({ method: 'GET', url: `${base}/users/export?tag=roundtrip`, headers: { authorization: `Bearer ${h().admin.token}` } });
    const before = (await h().admin.get(`${base}/users?q=round.trip`)).body.items[0];
    assert.equal((await h().admin.post(`${base}/users/bulk-delete`, { ids: [before.id], confirm: 1 })).status, 200);
    await h().storage.db.deleteFrom('users').where('id', '=', before.id).execute();
    const imported = await upload(exported.body);
    assert.equal(imported.statusCode, 200, imported.body);
    const after = (await h().admin.get(`${base}/users?q=round.trip`)).body.items[0];
    for (const key of ['login', 'firstName', 'lastName', 'roles', 'tags', 'active']) assert.deepEqual(after[key], before[key], key);
    assert.deepEqual([after.sip.extension, after.sip.connection, after.sip.callerId.number, after.agent.enabled, after.agent.wrapUpTime, after.agent.inherited], [before.sip.extension, before.sip.connection, before.sip.callerId.number, true, 12, before.agent.inherited]);
  });
});
