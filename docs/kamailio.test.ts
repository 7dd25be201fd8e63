import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../test/harness.ts';
import { sippRegister } from '../test/sipp.ts';

/** The configuration block of docs/kamailio.md, exactly as documented. */
const documented = () => /```kamailio\n([\s\S]*?)```/.exec(readFileSync(new URL('./kamailio.md', import.meta.url), 'utf8'))?.[1] as string;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const hasKamailio = await new Promise<boolean>((resolve) => spawn('kamailio', ['-v']).on('error', () => resolve(false)).on('exit', (code) => resolve(code === 0)));

describe('the documented Kamailio configuration', { skip: hasKamailio ? false : 'Kamailio is not installed (apt-get install kamailio kamailio-postgres-modules)' }, () => {
  let h: Harness;
  let kamailio: ChildProcess;
  let port: number;
  let dir: string;
  let secret: string;

  before(async () => {
    h = await startHarness('postgres');
    secret = (await h.admin.post('/api/v1/domains/default/users', { login: 'kamailio-phone', roles: ['agent'], sip: { extension: '5100' } })).body.sip.secret;
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'kamailio-'));
    const config = documented().replace('LISTEN', `udp:127.0.0.1:${port}`).replace('DB_URL', h.config.databaseUrl.replace(/^postgres:\/\//, 'postgres://'));
    writeFileSync(join(dir, 'kamailio.cfg'), config);
    kamailio = spawn('kamailio', ['-f', join(dir, 'kamailio.cfg'), '-DD', '-E', '-P', join(dir, 'kamailio.pid'), '-Y', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    kamailio.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 10_000;
    while (!/INFO: .*init_tcp|listening on|bind_address/i.test(output) && Date.now() < deadline && kamailio.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (kamailio.exitCode !== null) throw new Error(`kamailio did not start:\n${output}`);
  });

  after(async () => {
    if (kamailio?.exitCode === null) {
      kamailio.kill('SIGTERM');
      await once(kamailio, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
    await h?.close();
  });

  it('registers a phone with the secret Switchboard generated, and refuses a wrong one', async () => {
    const ok = await sippRegister({ port, transport: 'udp', user: '5100', password: secret, host: 'default', expires: 300, expect: 200 });
    assert.ok(ok.ok, ok.output);
    const wrong = await sippRegister({ port, transport: 'udp', user: '5100', password: 'not-the-secret', host: 'default', expires: 300, expect: 401 });
    assert.ok(wrong.ok, wrong.output);
  });
});
