import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { freshStorage } from './databases.ts';
import { openEvents } from './events-client.ts';
import { registerWithDigest } from './sip-client.ts';

const REDIS_URL = process.env.SWITCHBOARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'Grey-Heron-Flies-42!';

interface Server {
  child: ChildProcess;
  url: string;
  sipPort: number | null;
}

async function serve(env: NodeJS.ProcessEnv): Promise<Server> {
  const child = spawn('node', ['--import', 'tsx', 'src/cli/main.ts', 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  while (!/SIP registrar: .*\n/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serve did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const sip = /SIP registrar: +udp and tcp [^:]+:(\d+)/.exec(output);
  return { child, url: /API reference: +(\S+)\/api\/docs/.exec(output)?.[1] as string, sipPort: sip ? Number(sip[1]) : null };
}

describe('two server processes on one PostgreSQL and one Redis', () => {
  const prefix = `sbtest-${randomBytes(4).toString('hex')}:`;
  let database: Awaited<ReturnType<typeof freshStorage>>;
  let a: Server;
  let b: Server;

  before(async () => {
    database = await freshStorage('postgres');
    const env = {
      SWITCHBOARD_DATABASE_URL: database.url,
      SWITCHBOARD_REDIS_URL: REDIS_URL,
      SWITCHBOARD_REDIS_PREFIX: prefix,
      SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64'),
      SWITCHBOARD_ADMIN_PASSWORD: PASSWORD,
      SWITCHBOARD_PWNED_URL: '',
      SWITCHBOARD_LOG_LEVEL: 'warn',
      SWITCHBOARD_PORT: '0',
      SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'switchboard-cluster-')),
    };
    a = await serve({ ...env, SWITCHBOARD_SIP_PORT: '0' });
    b = await serve({ ...env, SWITCHBOARD_SIP_PORT: 'off' });
  });

  after(async () => {
    for (const server of [a, b]) {
      if (server?.child.exitCode === null) {
        server.child.kill('SIGTERM');
        await once(server.child, 'exit');
      }
    }
    await database?.drop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('shows a phone registered on process A to an event client of process B', async () => {
    const signIn = await fetch(`${b.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ domain: 'default', login: 'admin', password: PASSWORD }) });
    const { token } = (await signIn.json()) as { token: string };
    const created = await fetch(`${b.url}/api/v1/domains/default/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ login: 'cluster-phone', roles: ['agent'], sip: { extension: '4100' } }),
    });
    const user = (await created.json()) as { id: string; sip: { secret: string } };
    assert.equal(created.status, 201);

    const events = await openEvents(b.url, 'default', token);
    await events.next((m) => m.type === 'snapshot');
    const answer = await registerWithDigest(a.sipPort as number, { user: '4100', password: user.sip.secret, host: 'default', realm: 'default', algorithm: 'MD5' });
    assert.match(answer, /^SIP\/2\.0 200 OK/);
    const registered = await events.next((m) => m.type === 'presence' && m.userId === user.id && m.data.registration?.registered === true, 5000);
    assert.equal(registered.data.registration.contacts[0].transport, 'udp');
    const presence = await fetch(`${b.url}/api/v1/domains/default/users/${user.id}/presence`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(((await presence.json()) as { registration: { registered: boolean } }).registration.registered, true);
    await events.close();
  });
});
