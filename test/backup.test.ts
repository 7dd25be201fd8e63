import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { connect } from '../src/server/db/connect.ts';
import { ADMIN_PASSWORD, engines, freshStorage, passwordFor, startHarness, type Harness } from './harness.ts';
import { serveProcess, stopProcesses, type ServeProcess } from './serve-process.ts';

const run = promisify(execFile);
const base = '/api/v1/domains/default';
const WRITER = 'writer-';

/** `switchboard …` as an operator runs it, against the database at `url`. */
const switchboard = (env: NodeJS.ProcessEnv, url: string, ...args: string[]) =>
  run('node', ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, ...env, SWITCHBOARD_DATABASE_URL: url } });

/** Every SIP account's stored digests, by user: what a phone signs in with. */
async function digests(url: string) {
  const storage = connect(url);
  try {
    return await storage.db
      .selectFrom('sip_accounts')
      .select(['user_id', 'extension', 'username', 'realm', 'ha1_md5', 'ha1_sha256', 'ha1b_md5', 'ha1b_sha256'])
      .orderBy('user_id')
      .execute();
  } finally {
    await storage.close();
  }
}

async function signIn(url: string, login: string, password: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ domain: 'default', login, password }),
  });
  assert.equal(response.status, 200, `${login} signs in`);
  return ((await response.json()) as { token: string }).token;
}

/** The users export through real HTTP; `fetch` drops the byte-order mark, so the source's copy drops it too. */
async function exportOf(url: string, token: string): Promise<string> {
  const response = await fetch(`${url}${base}/users/export`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200);
  return response.text();
}

const sourceExport = async (h: Harness) => ((await h.admin.get(`${base}/users/export`)).body as string).replace(/^\uFEFF/, '');

/** The export's lines whose login (the first cell) the predicate keeps, header first. */
const linesOf = (csv: string, keep: (login: string) => boolean = () => true) =>
  csv.split(/\r?\n/).filter((line, index) => index === 0 || (line !== '' && keep(line.split(',')[0] as string)));

/** A directory as an administrator builds it: a role, groups granting it, users with SIP accounts. */
async function fill(h: Harness): Promise<void> {
  assert.equal((await h.admin.post(`${base}/roles`, { name: 'Quality', permissions: ['users:read', 'audit:read'] })).status, 201);
  assert.equal((await h.admin.post(`${base}/groups`, { name: 'Night shift', roles: ['Quality'] })).status, 201);
  assert.equal((await h.admin.post(`${base}/groups`, { name: 'Day shift' })).status, 201);
  for (let i = 0; i < 40; i += 1) {
    const created = await h.admin.post(`${base}/users`, {
      login: `agent-${i}`,
      email: `agent-${i}@example.com`,
      firstName: `Agent`,
      lastName: `Number ${i}`,
      password: passwordFor(`agent-${i}`),
      roles: i % 3 === 0 ? ['agent', 'Quality'] : ['agent'],
      groups: [i % 2 === 0 ? 'Night shift' : 'Day shift'],
      sip: { extension: String(5000 + i), ...(i % 4 === 0 ? { secret: `Viola-Quartz-${i}-Nimbus-77` } : {}) },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  }
}

/** Creates users with SIP accounts one after another until stopped: writer-0001, writer-0002, … */
function startWriter(h: Harness) {
  let stopped = false;
  let written = 0;
  const done = (async () => {
    while (!stopped) {
      const login = `${WRITER}${String(written + 1).padStart(4, '0')}`;
      const created = await h.admin.post(`${base}/users`, { login, roles: ['agent'], groups: ['Day shift'], sip: {} });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      written += 1;
    }
  })();
  return {
    written: () => written,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

for (const engine of engines) {
  describe(`switchboard backup and restore [${engine}]`, () => {
    let source: Harness;
    let env: NodeJS.ProcessEnv;
    const folder = mkdtempSync(join(tmpdir(), 'switchboard-backups-'));
    const targets: Awaited<ReturnType<typeof freshStorage>>[] = [];
    const servers: ServeProcess[] = [];
    const target = async () => {
      const made = await freshStorage(engine);
      targets.push(made);
      return made.url;
    };
    const serve = async (url: string) => {
      const server = await serveProcess({ ...env, SWITCHBOARD_DATABASE_URL: url, SWITCHBOARD_PORT: '0', SWITCHBOARD_SIP_PORT: 'off' });
      servers.push(server);
      return server;
    };

    before(async () => {
      // The webhook that carries a sealed secret points at this machine: nothing listens there.
      source = await startHarness(engine, { SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true' });
      env = {
        SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'switchboard-backup-data-')),
        SWITCHBOARD_SECRET_KEY: source.config.secretKey,
        SWITCHBOARD_PWNED_URL: '',
        SWITCHBOARD_LOG_LEVEL: 'warn',
      };
      await fill(source);
    });
    after(async () => {
      await stopProcesses(servers);
      await source.close();
      for (const made of targets) await made.drop();
    });

    it('takes a backup while a writer keeps writing, which restores to one moment of it: a run of whole users, each with its SIP account', async (t) => {
      const writer = startWriter(source);
      while (writer.written() < 3) await new Promise((resolve) => setTimeout(resolve, 10));
      const file = join(folder, 'while-writing.tar.gz');
      const { stdout } = await switchboard(env, source.config.databaseUrl, 'backup', file);
      const writtenDuringBackup = writer.written();
      await writer.stop();
      assert.match(stdout, /backed up the .* database \(schema 2026-\S+\) to /);
      assert.match(stdout, /keep the secret key with it/);

      const url = await target();
      await switchboard(env, url, 'restore', file);
      const restoredDigests = await digests(url);
      const server = await serve(url);
      const restored = linesOf(await exportOf(server.url, await signIn(server.url, 'admin', ADMIN_PASSWORD)));
      const writers = restored.filter((line) => line.startsWith(WRITER)).map((line) => line.split(',')[0]);
      assert.ok(writers.length >= 3 && writers.length <= writtenDuringBackup, `${writers.length} of the writer's users`);
      t.diagnostic(`restored ${writers.length} of ${writtenDuringBackup} users the writer had written when the backup ended`);
      assert.deepEqual(
        writers,
        Array.from({ length: writers.length }, (_, i) => `${WRITER}${String(i + 1).padStart(4, '0')}`),
        'no gap: the users written before the moment, none after',
      );
      const kept = new Set(restored.map((line) => line.split(',')[0]));
      assert.deepEqual(
        restored,
        linesOf(await sourceExport(source), (login) => kept.has(login)),
      );
      const sourceDigests = await digests(source.config.databaseUrl);
      const restoredUsers = new Set(restoredDigests.map((row) => row.user_id));
      assert.equal(restoredDigests.length, 40 + writers.length, 'every restored user has the SIP account made with it');
      assert.deepEqual(
        restoredDigests,
        sourceDigests.filter((row) => restoredUsers.has(row.user_id)),
      );
    });

    it('restores onto an empty database the same directory: the same export and SIP digests; the service starts and a user signs in', async () => {
      const file = join(folder, 'quiet.tar.gz');
      await switchboard(env, source.config.databaseUrl, 'backup', file);
      const url = await target();
      const { stdout } = await switchboard(env, url, 'restore', file);
      assert.match(stdout, /restored the backup of \S+ \(schema 2026-\S+\)/);
      assert.deepEqual(await digests(url), await digests(source.config.databaseUrl));
      const server = await serve(url);
      const token = await signIn(server.url, 'agent-3', passwordFor('agent-3'));
      assert.equal(await exportOf(server.url, token), await sourceExport(source));
      const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(me.status, 200);
    });

    it('refuses to restore onto a database that is not empty unless --force, which replaces it whole', async () => {
      const file = join(folder, 'quiet.tar.gz');
      const url = await target();
      await switchboard(env, url, 'migrate');
      await assert.rejects(switchboard(env, url, 'restore', file), /is not empty: give --force to replace it/);
      assert.deepEqual(await digests(url), [], 'nothing was restored');
      await switchboard(env, url, 'restore', file, '--force');
      assert.deepEqual(await digests(url), await digests(source.config.databaseUrl));
    });

    if (engine === 'sqlite') {
      it('refuses, even with --force, a SQLite database a running service has open', async () => {
        const url = await target();
        await switchboard(env, url, 'restore', join(folder, 'quiet.tar.gz'));
        const server = await serve(url);
        await assert.rejects(switchboard(env, url, 'restore', join(folder, 'quiet.tar.gz'), '--force'), /is in use: stop the service before restoring/);
        await stopProcesses([server]);
        await switchboard(env, url, 'restore', join(folder, 'quiet.tar.gz'), '--force');
      });
    }

    it('leaves the secret key out, and says so when the restoring installation has another key', async () => {
      const hook = await source.admin.post(`${base}/webhooks`, { url: 'http://127.0.0.1:9/hook', eventTypes: ['user.created'] });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
      const file = join(folder, 'with-sealed-secret.tar.gz');
      await switchboard(env, source.config.databaseUrl, 'backup', file);
      const elsewhere = { ...env, SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64') };
      const { stdout } = await switchboard(elsewhere, await target(), 'restore', file);
      assert.match(stdout, /warning: 1 of 1 stored secret\(s\) were sealed with another key: put the key kept with this backup in SWITCHBOARD_SECRET_KEY/);
      assert.equal(stdout.includes(source.config.secretKey as string), false, 'the key itself is never printed');
      assert.doesNotMatch((await switchboard(env, await target(), 'restore', file)).stdout, /warning/);
    });

    it('refuses a file that is not a backup, and a backup of the other engine', async () => {
      const url = await target();
      await assert.rejects(switchboard(env, url, 'restore', 'package.json'), /is not a Switchboard backup/);
      const other = engine === 'sqlite' ? 'postgres' : 'sqlite';
      const otherUrl = other === 'sqlite' ? `sqlite:${join(folder, 'other', 'switchboard.db')}` : url;
      const file = join(folder, 'quiet.tar.gz');
      if (other === 'sqlite')
        await assert.rejects(switchboard(env, otherUrl, 'restore', file), /this is a backup of postgres; the configured database is sqlite/);
      else await assert.rejects(switchboard({ ...env }, 'postgres://postgres@127.0.0.1:5432/test', 'restore', file), /this is a backup of sqlite/);
    });
  });
}
