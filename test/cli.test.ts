import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { engines, freshStorage } from './harness.ts';
import { kamailioOnPostgres } from './kamailio-tables.ts';

const run = promisify(execFile);
const cli = ['--import', 'tsx', 'src/cli/main.ts'];

describe('switchboard CLI', () => {
  it('explains every command with --help', async () => {
    for (const command of [
      [],
      ['serve'],
      ['migrate'],
      ['admin', 'create'],
      ['purge'],
      ['secrets', 'rotate'],
      ['users', 'import'],
      ['users', 'migrate'],
      ['users', 'export'],
      ['users', 'range'],
      ['backup'],
      ['restore'],
    ]) {
      const { stdout } = await run('node', [...cli, ...command, '--help'], { env: process.env });
      assert.match(stdout, /Usage: switchboard/, command.join(' '));
    }
  });
});

for (const engine of engines) {
  describe(`switchboard CLI [${engine}]`, () => {
    let database: Awaited<ReturnType<typeof freshStorage>>;
    let env: NodeJS.ProcessEnv;
    before(async () => {
      database = await freshStorage(engine);
      env = {
        ...process.env,
        SWITCHBOARD_DATABASE_URL: database.url,
        SWITCHBOARD_LOG_LEVEL: 'warn',
        SWITCHBOARD_PWNED_URL: '',
        SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'switchboard-cli-')),
      };
    });
    after(() => database.drop());

    it('migrates an empty database, then says it is up to date', async () => {
      assert.match((await run('node', [...cli, 'migrate'], { env })).stdout, /applied: 2026-11-23.01-directory, 2026-11-23.02-passwords/);
      assert.match((await run('node', [...cli, 'migrate'], { env })).stdout, /up to date/);
    });

    it('serves: creates the first administrator on first start, prints the credentials once, and stops on SIGTERM', async () => {
      const first = await serveOnce(env);
      assert.match(first.output, /API reference: +http:\/\/127\.0\.0\.1:\d+\/api\/docs/);
      const password = /password: (\S+)\s+\(generated/.exec(first.output)?.[1];
      assert.ok(password, first.output);
      const signIn = await fetch(`${first.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ domain: 'default', login: 'admin', password }),
      });
      assert.equal(signIn.status, 200);
      assert.equal(await first.stop(), 0);
      const second = await serveOnce(env);
      assert.doesNotMatch(second.output, /password:/);
      assert.equal(await second.stop(), 0);
    });

    it('creates an administrator in a domain, refusing a login that is taken', async () => {
      const { stdout } = await run('node', [...cli, 'admin', 'create', '--login', 'ops', '--email', 'ops@example.com'], { env });
      assert.match(stdout, /created administrator ops .* in domain default\npassword: \S{24}\n/);
      await assert.rejects(run('node', [...cli, 'admin', 'create', '--login', 'OPS'], { env }), /already taken/);
      await assert.rejects(run('node', [...cli, 'admin', 'create', '--login', 'bad login'], { env }), /login/);
    });

    it('rotates the secret key of the data folder, sealing stored secrets again', async () => {
      const dataDir = env.SWITCHBOARD_DATA_DIR as string;
      await run('node', [...cli, 'migrate'], { env });
      const before = readFileSync(join(dataDir, 'secret.key'), 'utf8');
      const { stdout } = await run('node', [...cli, 'secrets', 'rotate'], { env });
      assert.match(stdout, /re-sealed \d+ secret\(s\) with the new key in the data folder/);
      assert.notEqual(readFileSync(join(dataDir, 'secret.key'), 'utf8'), before);
    });

    it('purges with a retention period given on the command line', async () => {
      assert.match((await run('node', [...cli, 'purge', '--after-days', '0'], { env })).stdout, /purged 0 user\(s\)/);
      await assert.rejects(run('node', [...cli, 'purge', '--after-days', 'soon'], { env }), /whole number/);
    });

    it('creates a range of users, exports them, and checks an import of the export', async () => {
      const range = await run('node', [...cli, 'users', 'range', '--domain', 'default', '--from', '8100', '--to', '8104', '--name', 'Seat {n}'], { env });
      const secrets = range.stdout.trim().split('\n');
      assert.equal(secrets[0], 'login,extension,sipUsername,sipSecret');
      assert.match(secrets[1] as string, /^8100,8100,8100,[A-Za-z0-9_-]{24}$/);
      assert.match(range.stderr, /5 created/);
      const exported = await run('node', [...cli, 'users', 'export', '--domain', 'default'], { env });
      assert.match(exported.stdout, /\n8104,,Seat 8104,/);
      assert.equal(exported.stdout.includes((secrets[1] as string).split(',')[3] as string), false, 'no secret in the export');
      const file = join(mkdtempSync(join(tmpdir(), 'switchboard-csv-')), 'users.csv');
      writeFileSync(file, exported.stdout);
      const dryRun = await run('node', [...cli, 'users', 'import', file, '--domain', 'default', '--dry-run', '--on-existing', 'update'], { env });
      assert.match(dryRun.stdout, /0 created, 0 updated, 0 skipped \(dry run: nothing written\), 0 problems/);
      const refused = await run('node', [...cli, 'users', 'import', file, '--domain', 'default'], { env }).catch(
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      assert.equal((refused as { code: number }).code, 2, 'problems make the exit code 2');
      assert.match((refused as { stderr: string }).stderr, /row 2, login \("8100"\): A user with this login exists already/);

      const fresh = join(mkdtempSync(join(tmpdir(), 'switchboard-csv-')), 'fresh.csv');
      writeFileSync(fresh, 'login,extension\nphone-1,8201\nphone-2,8202\n');
      const kept = join(dirname(fresh), 'secrets.csv');
      const imported = await run('node', [...cli, 'users', 'import', fresh, '--domain', 'default', '--secrets', kept], { env });
      assert.match(imported.stderr, /progress: 2 rows · .* 2 created · 0 problems/, 'progress lines where the output is not a terminal');
      assert.match(readFileSync(kept, 'utf8'), /^login,extension,sipUsername,sipSecret\nphone-1,8201,8201,[A-Za-z0-9_-]{24}\nphone-2,8202,8202,/);
      assert.equal(statSync(kept).mode & 0o777, 0o600, 'the secrets file is readable by its owner alone');
    });

    it('moves users in from a Kamailio subscriber table, with a dry run first, and names no password of an unreachable one', async () => {
      const kamailio = await kamailioOnPostgres();
      try {
        await kamailio.add([
          { username: '8301', domain: 'default', password: 'desk-8301-pass' },
          { username: '8302', domain: 'default', password: 'desk-8302-pass' },
        ]);
        const migrate = (...extra: string[]) => run('node', [...cli, 'users', 'migrate', '--from', 'kamailio', '--domain', 'default', ...extra], { env });
        const dryRun = await migrate('--url', kamailio.url, '--dry-run');
        assert.match(dryRun.stdout, /2 entries from kamailio: 2 created, 0 updated, 0 skipped \(dry run: nothing written\), 0 problems/);
        const moved = await migrate('--url', kamailio.url);
        assert.match(moved.stdout, /2 entries from kamailio: 2 created, 0 updated, 0 skipped, 0 problems/);
        assert.match(moved.stderr, /progress: 2 rows/);
        const again = await migrate('--url', kamailio.url, '--on-existing', 'skip');
        assert.match(again.stdout, /0 created, 0 updated, 2 skipped/);
        const unreachable = await migrate('--url', 'postgres://kamailio:s3cret-pw@127.0.0.1:1/kamailio').catch((error: { stderr: string }) => error);
        assert.match((unreachable as { stderr: string }).stderr, /127\.0\.0\.1:1\/kamailio cannot be migrated from: it cannot be reached/);
        assert.doesNotMatch((unreachable as { stderr: string }).stderr, /s3cret-pw/);
      } finally {
        await kamailio.drop();
      }
    });
  });
}

/** Starts `switchboard serve` on a free port and waits for its banner. */
async function serveOnce(env: NodeJS.ProcessEnv) {
  const child = spawn('node', [...cli, 'serve'], { env: { ...env, SWITCHBOARD_PORT: '0', SWITCHBOARD_SIP_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 20_000;
  while (!/API reference: +(\S+)\/api\/docs[\s\S]*\n\n/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serve did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = /API reference: +(\S+)\/api\/docs/.exec(output)?.[1] as string;
  return {
    output,
    url,
    async stop() {
      child.kill('SIGTERM');
      const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
      // A death by signal says which, with what the process printed, so a rare crash can be traced.
      if (code === null) throw new Error(`serve ended by ${signal} instead of stopping:\n${output.slice(-4000)}`);
      return code;
    },
  };
}
