import assert from 'node:assert/strict';
import { createHash, pbkdf2Sync } from 'node:crypto';
import { it } from 'node:test';
import argon2 from 'argon2';
import bcrypt from 'bcryptjs';
import { openEvents } from '../../../test/events-client.ts';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachEngine, startHarness, userWithRoles } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** A file of `count` agents with extensions from `first`, in two groups, with an agent setting and a skill. */
const agentsFile = (count: number, first = 70_000, prefix = 'bulk') => {
  const lines = ['login,firstName,lastName,groups,extension,agent,skills,wrapUpTime'];
  for (let n = 0; n < count; n += 1) lines.push(`${prefix}${n},Agent,No ${n},Sales|Support,${first + n},true,English:${n % 100},15`);
  return `${lines.join('\n')}\n`;
};

forEachEngine('CSV import as a job', (h) => {
  const upload = (file: string, query = '', headers: Record<string, string> = {}) =>
    h().app.inject({
      method: 'POST',
      url: `${base}/users/import${query}`,
      payload: file,
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${h().admin.token}`, ...headers },
    });
  const count = async (prefix: string) => (await h().storage.db.selectFrom('users').select('id').where('login_key', 'like', `${prefix}%`).execute()).length;
  /** The server's address: listening from the first test that needs it. */
  const address = async () => {
    if (!h().app.server.listening) return h().app.listen({ host: '127.0.0.1', port: 0 });
    return `http://127.0.0.1:${(h().app.server.address() as AddressInfo).port}`;
  };
  const waitFor = async (id: string) => {
    for (let i = 0; i < 600; i += 1) {
      const job = (await h().admin.get(`${base}/jobs/${id}`)).body;
      if (job.state !== 'running') return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the job did not finish');
  };

  it('runs in the background with Prefer: respond-async, reports progress as events, and hands out generated secrets once', async () => {
    await h().admin.post(`${base}/groups`, { name: 'Sales' });
    await h().admin.post(`${base}/groups`, { name: 'Support' });
    await h().admin.post(`${base}/skills`, { name: 'English' });
    const url = await address();
    const events = await openEvents(url, 'default', h().admin.token as string);
    try {
      const started = await upload(agentsFile(2500), '', { prefer: 'respond-async' });
      assert.equal(started.statusCode, 202);
      assert.equal(started.headers['preference-applied'], 'respond-async');
      assert.equal(started.headers.location, `${base}/jobs/${started.json().id}`);
      const job = await waitFor(started.json().id);
      assert.equal(job.state, 'succeeded');
      assert.deepEqual(
        [job.result.created, job.result.written, job.result.generatedSecrets, job.progress.rows, job.progress.fraction],
        [2500, true, 2500, 2500, 1],
      );
      const finished = await events.next((m) => m.type === 'job' && m.data.id === job.id && m.data.state === 'succeeded');
      assert.equal(finished.data.progress.created, 2500, 'the event stream carries the job');
      assert.equal(await count('bulk'), 2500, 'rows of three chunks are in');

      const user = (await h().admin.get(`${base}/users?q=bulk1234`)).body.items[0];
      assert.deepEqual(
        [user.sip.extension, user.agent.enabled, user.agent.wrapUpTime, user.groups.sort(), user.agent.skills],
        ['71234', true, 15, ['Sales', 'Support'], [{ skill: 'English', level: 34 }]],
      );
      const secrets = await h().app.inject({
        method: 'GET',
        url: `${base}/jobs/${job.id}/secrets.csv`,
        headers: { authorization: `Bearer ${h().admin.token}` },
      });
      assert.equal(secrets.statusCode, 200);
      const row = secrets.body.split('\n').find((line) => line.startsWith('bulk1234,')) as string;
      const [, , username, secret] = row.split(',');
      const stored = await h().storage.db.selectFrom('sip_accounts').select(['ha1_md5', 'realm']).where('user_id', '=', user.id).executeTakeFirstOrThrow();
      assert.equal(stored.ha1_md5, md5(`${username}:${stored.realm}:${secret}`), 'the secret handed out is the one digested');
      assert.equal(
        (await h().app.inject({ method: 'GET', url: `${base}/jobs/${job.id}/secrets.csv`, headers: { authorization: `Bearer ${h().admin.token}` } }))
          .statusCode,
        404,
        'only once',
      );
    } finally {
      await events.close();
    }
  });

  it('is cancelled while it runs, between two chunks, with nothing of it left — and a write sent meanwhile is not part of it', async () => {
    const url = await address();
    const events = await openEvents(url, 'default', h().admin.token as string);
    try {
      const started = await upload(agentsFile(20_000, 100_000, 'cancelled'), '', { prefer: 'respond-async' });
      const id = started.json().id;
      await events.next((m) => m.type === 'job' && m.data.id === id && m.data.progress.rows > 0, 20_000);
      // On SQLite this write waits for the import's end: it neither joins its transaction nor is undone with it.
      const meanwhile = h().admin.post(`${base}/users`, { login: 'written-meanwhile', roles: ['agent'] });
      const status = await h().admin.get(`${base}/jobs/${id}`);
      assert.equal(status.body.state, 'running', 'the job answers while it runs');
      const cancelled = await h().admin.post(`${base}/jobs/${id}/cancel`, {});
      assert.equal(cancelled.body.state, 'cancelled');
      assert.ok(cancelled.body.progress.rows < 20_000, `stopped after ${cancelled.body.progress.rows} rows`);
      assert.equal((await meanwhile).status, 201);
    } finally {
      await events.close();
    }
    assert.equal(await count('cancelled'), 0);
    assert.equal(await count('written-meanwhile'), 1);
    const extensions = await h().storage.db.selectFrom('extensions').select('number').where('number', '>=', '100000').where('number', '<', '120000').execute();
    assert.equal(extensions.length, 0);
    assert.equal((await h().admin.get(`${base}/jobs/no-such-job`)).status, 404);
  });

  it('lets nobody act on what a running import wrote but did not commit', async () => {
    const agent = await userWithRoles(h(), 'promoted-agent', ['agent']);
    // The agent made admin in the first chunk; the last row refuses the whole file.
    const file = `login,roles\npromoted-agent,admin\n${Array.from({ length: 3000 }, (_, n) => `uncommitted${n},agent\n`).join('')}uncommitted-bad,no-such-role\n`;
    const url = await address();
    const events = await openEvents(url, 'default', h().admin.token as string);
    try {
      const started = await upload(file, '?onExisting=update', { prefer: 'respond-async' });
      const id = started.json().id;
      await events.next((m) => m.type === 'job' && m.data.id === id && m.data.progress.rows > 1000, 20_000);
      await agent.client.get(`${base}/jobs/${id}`);
      const job = await waitFor(id);
      assert.deepEqual([job.state, job.result.written], ['succeeded', false]);
    } finally {
      await events.close();
    }
    assert.equal((await agent.client.get(`${base}/users`)).status, 403, 'the admin role never committed grants nothing');
    assert.equal(await count('uncommitted'), 0);
  });

  it('finds duplicates across chunks and refuses the whole file in atomic mode, but keeps the other rows in partial mode', async () => {
    const file = `${agentsFile(1500, 200_000, 'dup').trimEnd()}\ndup7,Again,Same login,,299999,,,\nother,Ext,Taken,,200003,,,\n`;
    const atomic = await upload(file);
    assert.equal(atomic.statusCode, 400);
    assert.deepEqual(
      atomic.json().errors.map((e: { path: string }) => e.path),
      ['rows/1502/login', 'rows/1503/extension'],
    );
    assert.equal(await count('dup'), 0);
    const partial = await upload(file, '?mode=partial');
    assert.deepEqual([partial.json().created, partial.json().problemCount], [1500, 2]);
    const report = await h().app.inject({ method: 'GET', url: `${base}/users/import/template`, headers: { authorization: `Bearer ${h().admin.token}` } });
    assert.equal(report.statusCode, 200);
  });

  it('gives extensions from the range across chunks, none twice, and tells a later row that names one an earlier chunk was given', async () => {
    // On SQLite the second chunk is checked while the first is written: its look-ups must count
    // the first chunk's numbers before they are in the database.
    await h().admin.put(`${base}/sip-settings`, { extensionRange: { from: '61000', to: '64999' } });
    const lines = ['login,assignment,extension'];
    for (let n = 0; n < 1500; n += 1) lines.push(`alloc${n},static,`);
    const file = `${[...lines, 'late,static,61005'].join('\n')}\n`;
    const atomic = await upload(file);
    assert.equal(atomic.statusCode, 400);
    assert.deepEqual(
      atomic.json().errors.map((e: { path: string }) => e.path),
      ['rows/1502/extension'],
    );
    const partial = await upload(file, '?mode=partial');
    assert.deepEqual([partial.json().created, partial.json().problemCount], [1500, 1]);
    const given = await h()
      .storage.db.selectFrom('sip_accounts')
      .innerJoin('users', 'users.id', 'sip_accounts.user_id')
      .select('sip_accounts.extension')
      .where('users.login_key', 'like', 'alloc%')
      .execute();
    assert.equal(new Set(given.map((g) => g.extension)).size, 1500, 'no extension given twice');
    const numbers = given.map((g) => String(g.extension)).sort();
    assert.deepEqual([numbers[0], numbers.at(-1)], ['61000', '62499'], 'the lowest free numbers of the range');
  });

  it('takes password hashes from another system and signs their owners in, replacing them by ours', async () => {
    const hashes = {
      argon: await argon2.hash('Argon-Heron-81!'),
      bcrypt: bcrypt.hashSync('Bcrypt-Heron-82!', 10),
      django: `pbkdf2_sha256$100000$salty$${pbkdf2Sync('Django-Heron-83!', 'salty', 100_000, 32, 'sha256').toString('base64')}`,
    };
    const file = [
      'login,passwordHash',
      `mig-argon,"${hashes.argon}"`,
      `mig-bcrypt,${hashes.bcrypt}`,
      `mig-django,${hashes.django}`,
      'mig-bad,$md5$nothing',
    ].join('\n');
    const refused = await upload(file);
    assert.deepEqual(
      refused.json().errors.map((e: { path: string }) => e.path),
      ['rows/5/passwordHash'],
    );
    const done = await upload(file.split('\n').slice(0, 4).join('\n'));
    assert.equal(done.json().created, 3);
    for (const [login, password] of [
      ['mig-argon', 'Argon-Heron-81!'],
      ['mig-bcrypt', 'Bcrypt-Heron-82!'],
      ['mig-django', 'Django-Heron-83!'],
    ] as const) {
      assert.equal(
        (await h().anonymous.post('/api/v1/auth/login', { domain: 'default', login, password: `${password}x` })).status,
        401,
        `${login}: a wrong password fails`,
      );
      assert.equal((await h().anonymous.post('/api/v1/auth/login', { domain: 'default', login, password })).status, 200, `${login}: signs in`);
      const stored = await h().storage.db.selectFrom('users').select('password_hash').where('login_key', '=', login).executeTakeFirstOrThrow();
      assert.match(stored.password_hash as string, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/, `${login}: rehashed with our parameters`);
    }
  });

  it('hashes plain passwords after judging them by the policy, and assigns licenses with their seats', async () => {
    await h().admin.post(`${base}/licenses`, { name: 'Voice', seats: 2 });
    const file = [
      'login,password,licenses',
      'plain-1,Quiet-Otter-Rows-19!,Voice',
      'plain-2,password,',
      'plain-3,Loud-Badger-Swims-27!,Voice',
      'plain-4,,Voice|Nothing',
    ].join('\n');
    const report = await upload(file, '?mode=partial');
    assert.deepEqual([...new Set(report.json().problems.map((p: { row: number; column: string }) => `${p.row}/${p.column}`))], ['3/password', '5/licenses']);
    assert.equal(report.json().created, 2);
    assert.equal((await h().anonymous.post('/api/v1/auth/login', { domain: 'default', login: 'plain-3', password: 'Loud-Badger-Swims-27!' })).status, 200);
    const voice = (await h().admin.get(`${base}/licenses/Voice`)).body;
    assert.equal(voice.used, 2);

    const weak = 'Tiny-Secret-7';
    const refused = await upload(`login,password,sipSecret\nleaky,${weak},\nleaky-2,Quiet-Otter-Rows-19!,short\n`);
    assert.equal(refused.statusCode, 400);
    assert.equal(refused.body.includes(weak), false, 'a refused password is not repeated in the problems');
    const started = await upload(`login,password\nleaky,${weak}\n`, '?report=json&dryRun=true', { prefer: 'respond-async' });
    const job = await waitFor(started.json().id);
    assert.equal(JSON.stringify(job).includes(weak), false, 'nor in the job');
    const errors = await h().app.inject({ method: 'GET', url: `${base}/jobs/${job.id}/report.csv`, headers: { authorization: `Bearer ${h().admin.token}` } });
    assert.match(errors.body, /leaky,,/);
    assert.equal(errors.body.includes(weak), false, 'nor in the file handed back');
    const spools = readdirSync(tmpdir()).filter((name) => name.startsWith(`switchboard-import-${process.pid}-`));
    const kept = spools.flatMap((name) => readdirSync(join(tmpdir(), name)).map((file) => readFileSync(join(tmpdir(), name, file), 'utf8')));
    assert.equal(
      kept.some((text) => text.includes(weak)),
      false,
      'nor on disk once the job is done: the upload is gone',
    );
  });

  it('removes at start the spool folders a killed process left, with the passwords in them', async () => {
    const orphan = mkdtempSync(join(tmpdir(), 'switchboard-import-999999-'));
    writeFileSync(join(orphan, 'upload.csv'), 'login,password\nleft,Behind-Heron-55!\n');
    const other = await startHarness(h().engine);
    try {
      for (let i = 0; i < 50 && existsSync(orphan); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(existsSync(orphan), false);
    } finally {
      await other.close();
    }
  });

  it('reads headers as the administrator maps them, over names and aliases', async () => {
    const file = 'Agent code,Full name,Notes\nmapped-1,Maria Mapped,ignore me\n';
    const guessed = (await upload(file, '?dryRun=true')).json();
    assert.deepEqual(
      guessed.mapping.map((m: { columns: string[] }) => m.columns),
      [[], [], []],
    );
    assert.deepEqual(guessed.unknownColumns, ['Agent code', 'Full name', 'Notes']);
    const columns = encodeURIComponent(JSON.stringify({ 'Agent code': 'login', 'full name': 'name', Notes: '' }));
    const mapped = (await upload(file, `?columns=${columns}`)).json();
    assert.deepEqual([mapped.created, mapped.unknownColumns], [1, []]);
    const user = (await h().admin.get(`${base}/users?q=mapped-1`)).body.items[0];
    assert.deepEqual([user.firstName, user.lastName], ['Maria', 'Mapped']);
    const bad = await upload(file, `?columns=${encodeURIComponent(JSON.stringify({ 'Agent code': 'shoeSize' }))}`);
    assert.equal(bad.statusCode, 400);
  });
});
