import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { engines, freshStorage } from './databases.ts';
import { serveProcess } from './serve-process.ts';

const PASSWORD = 'Grey-Heron-Flies-42!';
/** The server runs with this many file descriptors: the attack took ~20,500 on a larger limit. */
const DESCRIPTORS = 256;
const ATTACK_CONNECTIONS = 300;

/** `switchboard serve` under a hard limit of open files, as the attacked process was. */
const serveWithDescriptors = (env: NodeJS.ProcessEnv) => serveProcess(env, ['prlimit', `--nofile=${DESCRIPTORS}:${DESCRIPTORS}`]);

/** Opens a TCP connection, waiting until it is established or refused. */
async function open(port: number): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1' });
  socket.on('error', () => socket.destroy());
  await Promise.race([once(socket, 'connect'), once(socket, 'close')]).catch(() => undefined);
  return socket;
}

for (const engine of engines) {
  describe(`idle SIP connections cannot take the descriptors HTTP needs [${engine}]`, () => {
    let database: Awaited<ReturnType<typeof freshStorage>>;
    let server: Awaited<ReturnType<typeof serveWithDescriptors>>;
    const sockets: Socket[] = [];

    before(async () => {
      database = await freshStorage(engine);
      server = await serveWithDescriptors({
        SWITCHBOARD_DATABASE_URL: database.url,
        SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64'),
        SWITCHBOARD_ADMIN_PASSWORD: PASSWORD,
        SWITCHBOARD_PWNED_URL: '',
        SWITCHBOARD_LOG_LEVEL: 'warn',
        SWITCHBOARD_HOST: '127.0.0.1',
        SWITCHBOARD_PORT: '0',
        SWITCHBOARD_SIP_PORT: '0',
        // One attacker address may take every place: what is left is the reserve alone.
        SWITCHBOARD_SIP_CONNECTIONS_PER_ADDRESS: '100000',
        SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'switchboard-descriptors-')),
      });
    });

    after(async () => {
      for (const socket of sockets) socket.destroy();
      if (server?.child.exitCode === null) {
        server.child.kill('SIGTERM');
        await once(server.child, 'exit');
      }
      await database?.drop();
    });

    it(`still answers /healthz and sign-in after ${ATTACK_CONNECTIONS} idle SIP connections, holding at most half of its ${DESCRIPTORS} descriptors for them`, async () => {
      for (let i = 0; i < ATTACK_CONNECTIONS; i += 1) sockets.push(await open(server.sipPort as number));
      await new Promise((resolve) => setTimeout(resolve, 500));
      const held = sockets.filter((socket) => !socket.destroyed).length;
      assert.ok(held <= DESCRIPTORS / 2, `${held} SIP connections held`);
      const health = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(health.status, 200);
      const signIn = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ domain: 'default', login: 'admin', password: PASSWORD }),
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(signIn.status, 200);
    });
  });
}
